import { Router } from 'express';
import { recordJson } from '../admin/admin-render';
import { entityParam, recordListQuery, recordParam, recordShowQuery } from '../admin/admin-schemas';
import { AppError } from '../core/app-error';
import { parseInput } from '../http/parse-input';
import { runAsync } from '../http/run-async';
import type { StoredRecord } from '../records/record-store';
import type { ConsoleDeps } from './console-deps';
import { page, time, versionText } from './console-layout';
import { callerOf } from './console-session';
import { html, prettyJson } from './html';
import { historyTable } from './console-history';

const PAGE_SIZE = 50;

/** Records per entity with search by key, and one record with its versions (what GET /api/v1/admin/records/… reads). */
export function consoleRecordsRouter(deps: ConsoleDeps): Router {
  const router = Router();
  const { records, reads } = deps.admin;

  router.get('/records', (_req, res, next) => {
    runAsync(next, async () => {
      const counts = new Map<string, { live: number; deleted: number }>();
      for (const r of (await deps.snapshot()).records ?? []) {
        const c = counts.get(r.entity) ?? { live: 0, deleted: 0 };
        if (r.deleted) c.deleted += r.count;
        else c.live += r.count;
        counts.set(r.entity, c);
      }
      const body = html`${
        counts.size === 0
          ? html`<p class="empty">No records yet.</p>`
          : html`<table>
              <thead>
                <tr>
                  <th scope="col">Entity</th>
                  <th scope="col">Live</th>
                  <th scope="col">Deleted</th>
                </tr>
              </thead>
              <tbody>
                ${[...counts].map(
                  ([e, c]) =>
                    html`<tr>
                      <td><a href="${`/console/records/${encodeURIComponent(e)}`}">${e}</a></td>
                      <td class="num">${c.live}</td>
                      <td class="num">${c.deleted}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }`;
      res.type('html').send(page({ title: 'Records', active: 'records', caller: callerOf(res), body }).text);
    });
  });

  router.get('/records/:entity', (req, res, next) => {
    runAsync(next, async () => {
      const { entity } = parseInput(entityParam, req.params, 'path');
      const search = typeof req.query.key === 'string' ? req.query.key.trim().slice(0, 255) : '';
      const { key: _key, ...rest } = req.query;
      const q = parseInput(recordListQuery, rest, 'query');
      const limit = q.limit ?? PAGE_SIZE;
      const list = search
        ? await records.findByKey(entity, search)
        : await records.list({ entity, source: q.source, deleted: q.deleted, updatedSince: q.since, after: q.cursor, limit });
      const last = list[list.length - 1];
      const next =
        !search && list.length === limit && last ? Buffer.from(JSON.stringify([last.source, last.key])).toString('base64url') : null;
      const body = html`<form method="get" role="search" aria-label="Find a record">
          <label>Key <input name="key" value="${search}" /></label> <button type="submit">Find</button>
          <a href="${`/console/records/${encodeURIComponent(entity)}`}">All</a>
        </form>
        ${recordTable(entity, list)}
        ${next ? html`<p class="paging"><a rel="next" href="${`/console/records/${encodeURIComponent(entity)}?cursor=${next}`}">Next page →</a></p>` : html`<p class="paging">End of the list.</p>`}`;
      res.type('html').send(page({ title: `Records: ${entity}`, active: 'records', caller: callerOf(res), body }).text);
    });
  });

  router.get('/records/:entity/:key', (req, res, next) => {
    runAsync(next, async () => {
      const { entity, key } = parseInput(recordParam, req.params, 'path');
      const { source } = parseInput(recordShowQuery, req.query, 'query');
      const found = (await records.findByKey(entity, key)).filter((r) => source === undefined || r.source === source);
      const [record] = found;
      if (!record) throw new AppError('API_NOT_FOUND', `no ${entity} record with key ${key}`);
      if (found.length > 1) throw new AppError('API_BAD_REQUEST', `key ${key} exists in several sources: choose one with ?source=`);
      const history = await reads.history({ source: record.source, entity, key }, 100);
      const body = html`<p>
          Source ${record.source}, version ${versionText(record.version)}${record.deleted ? ', deleted' : ''}, updated
          ${time(record.updatedAt)}.
        </p>
        <pre>${prettyJson(recordJson(record).data)}</pre>
        <h2>History, newest first</h2>
        ${historyTable(history)}`;
      res.type('html').send(page({ title: `${entity} ${key}`, active: 'records', caller: callerOf(res), body }).text);
    });
  });

  return router;
}

function recordTable(entity: string, list: StoredRecord[]) {
  if (list.length === 0) return html`<p class="empty">No record.</p>`;
  return html`<table>
    <thead>
      <tr>
        <th scope="col">Key</th>
        <th scope="col">Source</th>
        <th scope="col">Version</th>
        <th scope="col">Deleted</th>
        <th scope="col">Updated</th>
      </tr>
    </thead>
    <tbody>
      ${list.map(
        (r) =>
          html`<tr>
            <td>
              <a
                href="${`/console/records/${encodeURIComponent(entity)}/${encodeURIComponent(r.key)}?source=${encodeURIComponent(r.source)}`}"
                >${r.key}</a
              >
            </td>
            <td>${r.source}</td>
            <td>${versionText(r.version)}</td>
            <td>${r.deleted ? 'yes' : 'no'}</td>
            <td>${time(r.updatedAt)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}
