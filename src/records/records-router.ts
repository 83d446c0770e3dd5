import { Router } from 'express';
import type { ApiKeyAuth } from '../auth/api-key-auth';
import { AppError } from '../core/app-error';
import { splitLinks } from '../domain/record-links';
import { intParam, timeParam } from '../feed/query-params';
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
    const { entity = '', key = '' } = req.params;
    const source = typeof req.query.source === 'string' ? req.query.source : undefined;
    records
      .findByKey(entity, key)
      .then((found) => {
        const matching = source === undefined ? found : found.filter((r) => r.source === source);
        if (matching.length === 0) throw new AppError('API_NOT_FOUND', `no ${entity} record with key ${key}`);
        if (matching.length > 1) throw new AppError('API_BAD_REQUEST', `key ${key} exists in several sources; add ?source=`);
        res.json(render(matching[0] as StoredRecord));
      })
      .catch(next);
  });

  router.get('/api/v1/records/:entity', ...auth.require('records:read'), (req, res, next) => {
    const limit = intParam(req.query.limit, 'limit', 100, 1, 1000);
    const deleted =
      req.query.deleted === undefined
        ? undefined
        : req.query.deleted === 'true'
          ? true
          : req.query.deleted === 'false'
            ? false
            : badDeleted();
    const after = decodeAfter(req.query.after);
    records
      .list({
        entity: req.params.entity ?? '',
        source: typeof req.query.source === 'string' ? req.query.source : undefined,
        updatedSince: timeParam(req.query.updated_since, 'updated_since'),
        deleted,
        after,
        limit,
      })
      .then((page) => {
        const last = page[page.length - 1];
        res.json({ records: page.map(render), next: page.length === limit && last ? encodeAfter(last) : null });
      }, next);
  });

  return router;
}

function badDeleted(): never {
  throw new AppError('API_BAD_REQUEST', 'deleted must be true or false');
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
