import { Router, type RequestHandler } from 'express';
import { AppError } from '../core/app-error';
import type { RecordStore, StoredRecord } from '../records/record-store';
import { run } from './admin-handler';
import type { AdminReadStore } from './admin-read-store';
import { recordJson } from './admin-render';
import { parseInput } from '../http/parse-input';
import { entityParam, recordListQuery, recordParam, recordShowQuery } from './admin-schemas';

const BASE = '/api/v1/admin/records';
const DEFAULT_LIMIT = 50;

/** What the records part of the admin API reads: the record store the records API uses, and the change history. */
export interface AdminRecordsDeps {
  records: RecordStore;
  reads: AdminReadStore;
}

/**
 * Records and their change history for an operator (scope `admin:read`, given as `read`):
 * - `GET /api/v1/admin/records/:entity?source=&deleted=&since=&limit=&cursor=` — a page ordered by source and key;
 * - `GET /api/v1/admin/records/:entity/:key?source=&limit=` — the record and its versions, newest first, each with
 *   the change it made (kind, data, the event that caused it).
 * @remarks The history walks the record's chain of changes (migration 018, ADR 0038): one record's changes, not the entity's.
 */
export function adminRecordsRouter(deps: AdminRecordsDeps, read: RequestHandler[]): Router {
  const router = Router();

  router.get(`${BASE}/:entity`, ...read, (req, res, next) => {
    run(next, async () => {
      const { entity } = parseInput(entityParam, req.params, 'path');
      const q = parseInput(recordListQuery, req.query, 'query');
      const limit = q.limit ?? DEFAULT_LIMIT;
      const page = await deps.records.list({ entity, source: q.source, deleted: q.deleted, updatedSince: q.since, after: q.cursor, limit });
      const last = page[page.length - 1];
      res.json({ records: page.map(recordJson), nextCursor: page.length === limit && last ? cursorOf(last) : null });
    });
  });

  router.get(`${BASE}/:entity/:key`, ...read, (req, res, next) => {
    run(next, async () => {
      const { entity, key } = parseInput(recordParam, req.params, 'path');
      const { source, limit = DEFAULT_LIMIT } = parseInput(recordShowQuery, req.query, 'query');
      const found = (await deps.records.findByKey(entity, key)).filter((r) => source === undefined || r.source === source);
      const [record] = found;
      if (!record) throw new AppError('API_NOT_FOUND', `no ${entity} record with key ${key}`);
      if (found.length > 1) {
        const sources = found.map((r) => r.source).join(', ');
        throw new AppError('API_BAD_REQUEST', `query parameter source: key ${key} exists in several sources (${sources})`, {
          parameter: 'source',
        });
      }
      const history = await deps.reads.history({ source: record.source, entity, key }, limit);
      res.json({ record: recordJson(record), history });
    });
  });

  return router;
}

function cursorOf(r: StoredRecord): string {
  return Buffer.from(JSON.stringify([r.source, r.key])).toString('base64url');
}
