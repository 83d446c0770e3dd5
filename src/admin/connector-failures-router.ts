import express, { Router } from 'express';
import type { ApiKeyAuth } from '../auth/api-key-auth';
import type { ConnectorFailureService } from '../connectors/connector-failure-service';
import { failureJson } from '../connectors/failure-json';
import type { AdminAuditEntry } from './admin-audit-store';
import { actorOf, run } from './admin-handler';
import { parseInput } from '../http/parse-input';
import { failureListQuery, failurePath, failureRetryBody, failuresPath } from './connector-failures-schemas';

/** What the parked-changes routes drive: the service `connectors failures` uses, and the audit trail. */
export interface ConnectorFailuresRouterDeps {
  failures: ConnectorFailureService;
  /** Appends one admin_audit row (its own transaction: a retry talks to the destination, outside any). */
  audit: (entry: AdminAuditEntry) => Promise<void>;
  auth: ApiKeyAuth;
}

const BASE = '/api/v1/admin/connectors/:name/failures';
const DEFAULT_LIMIT = 50;

/**
 * The admin API over parked changes (docs/admin-api.md): list and show with `admin:read`; retry and skip with
 * `admin:write`, each audited (who, route, id, outcome). Kept beside admin-router.ts, wired in src/compose.
 */
export function connectorFailuresRouter(deps: ConnectorFailuresRouterDeps): Router {
  const router = Router();
  const read = deps.auth.require('admin:read');
  const write = deps.auth.require('admin:write');
  const json = express.json({ limit: '4kb' });

  router.get(BASE, ...read, (req, res, next) => {
    run(next, async () => {
      const { name } = parseInput(failuresPath, req.params, 'path');
      const q = parseInput(failureListQuery, req.query, 'query');
      const limit = q.limit ?? DEFAULT_LIMIT;
      const state = q.state === 'all' ? undefined : (q.state ?? 'parked');
      const rows = await deps.failures.list({ connector: name, state, limit, afterId: q.cursor });
      const last = rows[rows.length - 1];
      res.json({ failures: rows.map(failureJson), nextCursor: rows.length === limit && last ? String(last.id) : null });
    });
  });

  router.get(`${BASE}/:id`, ...read, (req, res, next) => {
    run(next, async () => {
      const p = parseInput(failurePath, req.params, 'path');
      res.json({ failure: failureJson(await deps.failures.show(p.name, p.id)) });
    });
  });

  router.post(`${BASE}/:id/retry`, ...write, json, (req, res, next) => {
    run(next, async () => {
      const p = parseInput(failurePath, req.params, 'path');
      const { force } = parseInput(failureRetryBody, req.body, 'body');
      const r = await deps.failures.retry(p.name, p.id, { force });
      await deps.audit({
        actor: actorOf(res),
        route: 'POST /connectors/:name/failures/:id/retry',
        request: { connector: p.name, id: p.id, force: force ?? false },
        affected: { ids: [p.id], state: r.failure.state, checkpoint: r.checkpoint ?? null },
      });
      res.json({ failure: failureJson(r.failure), checkpoint: r.checkpoint === undefined ? null : String(r.checkpoint) });
    });
  });

  router.post(`${BASE}/:id/skip`, ...write, (req, res, next) => {
    run(next, async () => {
      const p = parseInput(failurePath, req.params, 'path');
      const r = await deps.failures.skip(p.name, p.id);
      await deps.audit({
        actor: actorOf(res),
        route: 'POST /connectors/:name/failures/:id/skip',
        request: { connector: p.name, id: p.id },
        affected: { ids: [p.id], state: r.failure.state, checkpoint: r.checkpoint ?? null },
      });
      res.json({ failure: failureJson(r.failure), checkpoint: r.checkpoint === undefined ? null : String(r.checkpoint) });
    });
  });

  return router;
}
