import { Router } from 'express';
import type { ApiKeyAuth } from '../auth/api-key-auth';
import { AppError } from '../core/app-error';
import { splitLinks } from '../domain/record-links';
import { parseInput } from '../http/parse-input';
import { runAsync } from '../http/run-async';
import { entityParams, recordListQuery, recordParams, recordQuery } from './records-schemas';
import type { RecordStore, StoredRecord } from './record-store';

/**
 * The records API (scope records:read):
 * - `GET /api/v1/records/:entity/:key[?source=]` — one record (deleted ones too, flagged);
 * - `GET /api/v1/records/:entity?source=&updated_since=&deleted=true|false&limit=&after=` — a page, ordered by
 *   source and key; `next` is the `after` of the following page.
 */
export function recordsRouter(records: RecordStore, auth: ApiKeyAuth): Router {
  const router = Router();

  router.get('/api/v1/records/:entity/:key', ...auth.require('records:read'), (req, res, next) => {
    runAsync(next, async () => {
      const { entity, key } = parseInput(recordParams, req.params, 'path');
      const { source } = parseInput(recordQuery, req.query, 'query');
      const found = await records.findByKey(entity, key);
      const matching = source === undefined ? found : found.filter((r) => r.source === source);
      if (matching.length === 0) throw new AppError('API_NOT_FOUND', `no ${entity} record with key ${key}`);
      if (matching.length > 1) throw new AppError('API_BAD_REQUEST', `key ${key} exists in several sources; add ?source=`);
      res.json(render(matching[0] as StoredRecord));
    });
  });

  router.get('/api/v1/records/:entity', ...auth.require('records:read'), (req, res, next) => {
    runAsync(next, async () => {
      const { entity } = parseInput(entityParams, req.params, 'path');
      const q = parseInput(recordListQuery, req.query, 'query');
      const limit = q.limit ?? 100;
      const deleted = q.deleted === undefined ? undefined : q.deleted === 'true';
      const page = await records.list({
        entity,
        source: q.source,
        updatedSince: q.updated_since,
        deleted,
        after: decodeAfter(q.after),
        limit,
      });
      const last = page[page.length - 1];
      res.json({ records: page.map(render), next: page.length === limit && last ? encodeAfter(last) : null });
    });
  });

  return router;
}

function encodeAfter(r: StoredRecord): string {
  return Buffer.from(JSON.stringify([r.source, r.key])).toString('base64url');
}

function decodeAfter(value: unknown): { source: string; key: string } | undefined {
  if (value === undefined || value === '') return undefined;
  try {
    const [source, key] = JSON.parse(Buffer.from(String(value), 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof source === 'string' && typeof key === 'string') return { source, key };
  } catch {
    // fall through to the error below
  }
  throw new AppError('API_BAD_REQUEST', 'after must be the next value of a previous page');
}

function render(r: StoredRecord) {
  const { data, links } = splitLinks(JSON.parse(r.data) as Record<string, unknown>);
  return {
    source: r.source,
    entity: r.entity,
    key: r.key,
    deleted: r.deleted,
    data,
    links,
    version: { event_uuid: r.version.uuid, event_timestamp: r.version.timestamp, action: r.version.action },
    mapping_version: r.mappingVersion,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
  };
}
