import express, { Router } from 'express';
import type { ApiKeyAuth } from '../auth/api-key-auth';
import type { Config } from '../config/config-schema';
import type { RunOutcome } from '../connectors/connector-runner';
import { connectorStatuses } from '../connectors/connector-status';
import { AppError } from '../core/app-error';
import type { FeedService } from '../feed/feed-service';
import { parseInput } from '../http/parse-input';
import { runAsync } from '../http/run-async';
import type { EventAdminStore, EventFilter, RequeueResult } from '../inbox/event-admin-store';
import type { RecordStore } from '../records/record-store';
import type { AdminAuditStore } from './admin-audit-store';
import type { AdminReadStore } from './admin-read-store';
import { actorOf, nextCursor, run } from './admin-handler';
import { adminMappingsRouter, type AdminMappingsDeps } from './admin-mappings-router';
import { adminRecordsRouter } from './admin-records-router';
import { eventDetailJson, recordJson } from './admin-render';
import { eventIdParam, eventListQuery, eventRetryBody, pageQuery } from './admin-schemas';
import type { EventRetryService } from './event-retry-service';
import { eventFilterOf } from './event-filter-of';

/** What the admin API reads and drives: the same stores and services as the CLI (src/compose builds them). */
export interface AdminRouterDeps {
  events: EventAdminStore;
  retry: EventRetryService;
  reads: AdminReadStore;
  audit: AdminAuditStore;
  records: RecordStore;
  feed: FeedService;
  auth: ApiKeyAuth;
  /** The configured connectors, and the last run of each in this process. */
  connectors: {
    configs: Readonly<Config['connectors']>;
    lastOutcome: (name: string) => RunOutcome | undefined;
    /** Parked changes per connector (connector_failures). */
    parked?: () => Promise<ReadonlyMap<string, number>>;
  };
  /** Mapping preview and tests (the live mappings, their folder, the body bounds). */
  mappings: Omit<AdminMappingsDeps, 'events'>;
}

const BASE = '/api/v1/admin';
/** The admin API's routes, as `GET /api/v1/admin` lists them (docs/admin-api.md describes each). */
const ADMIN_ENDPOINTS = [
  'GET /events',
  'GET /events/:id',
  'POST /events/:id/retry',
  'POST /events/retry',
  'GET /conflicts',
  'GET /rejected',
  'GET /consumers',
  'GET /connectors',
  'GET /connectors/:name/failures',
  'GET /connectors/:name/failures/:id',
  'POST /connectors/:name/failures/:id/retry',
  'POST /connectors/:name/failures/:id/skip',
  'GET /records/:entity',
  'GET /records/:entity/:key',
  'POST /mappings/preview',
  'POST /mappings/test',
  'GET /audit',
].map((r) => r.replace(' /', ` ${BASE}/`));
const DEFAULT_LIMIT = 50;
/** Changes of an event's record shown by `GET /events/:id`, newest first. */
const HISTORY_LIMIT = 50;

/**
 * The CLI's operator view over HTTP (docs/admin-api.md): events list / show / retry, conflicts, rejected deliveries,
 * consumers and connectors with their lag, records and their history, mapping preview and tests, and the audit of
 * mutations. Reads need `admin:read`, retries
 * `admin:write` (`admin` holds both); every retry writes an admin_audit row in its own transaction.
 */
export function adminRouter(deps: AdminRouterDeps): Router {
  const { auth } = deps;
  const router = Router();
  const json = express.json({ limit: '64kb' });
  const read = auth.require('admin:read');
  const write = auth.require('admin:write');

  router.get(BASE, ...read, (_req, res) => {
    res.json({ endpoints: ADMIN_ENDPOINTS, docs: 'docs/admin-api.md' });
  });

  router.get(`${BASE}/events`, ...read, (req, res, next) => {
    runAsync(next, async () => {
      const q = parseInput(eventListQuery, req.query, 'query');
      const limit = q.limit ?? DEFAULT_LIMIT;
      const filter: EventFilter = { ...eventFilterOf(q), limit, beforeId: q.cursor };
      const events = await deps.events.list(filter);
      res.json({ events, nextCursor: nextCursor(events, limit) });
    });
  });

  router.get(`${BASE}/events/:id`, ...read, (req, res, next) => {
    runAsync(next, async () => {
      const { id } = parseInput(eventIdParam, req.params, 'path');
      const event = await deps.events.get(id);
      if (!event) throw new AppError('EVENT_NOT_FOUND', `no event with id ${id}`);
      const ref = await deps.reads.recordOfEvent(id);
      const record = ref ? await deps.records.get(ref) : undefined;
      const history = ref ? await deps.reads.history(ref, HISTORY_LIMIT) : [];
      res.json({ event: eventDetailJson(event), record: record ? recordJson(record) : null, history });
    });
  });

  router.post(`${BASE}/events/:id/retry`, ...write, (req, res, next) => {
    runAsync(next, async () => {
      const { id } = parseInput(eventIdParam, req.params, 'path');
      const result = await deps.retry.retry({ ids: [id] }, { actor: actorOf(res), route: 'POST /events/:id/retry', request: { id } });
      if (result.missing.length > 0) throw new AppError('EVENT_NOT_FOUND', `no event with id ${id}`);
      if (result.refusedDone.length > 0) {
        throw new AppError(
          'EVENT_RETRY_REFUSED',
          `event ${id} is done (it could only be stale); remap re-projects records after a mapping fix`,
        );
      }
      if (result.refusedPurged.length > 0) throw new AppError('EVENT_PAYLOAD_PURGED', `the payload of event ${id} was purged by retention`);
      res.json(result);
    });
  });

  router.post(`${BASE}/events/retry`, ...write, json, (req, res, next) => {
    runAsync(next, async () => {
      const b = parseInput(eventRetryBody, req.body, 'body');
      if (!b.ids && !b.status) throw new AppError('API_BAD_REQUEST', 'body parameter ids or status: give event ids or a status filter');
      const filter: EventFilter = { ...eventFilterOf(b), ids: b.ids };
      const request = JSON.parse(JSON.stringify(b)) as Record<string, unknown>;
      const result: RequeueResult = await deps.retry.retry(filter, { actor: actorOf(res), route: 'POST /events/retry', request });
      res.json(result);
    });
  });

  router.get(`${BASE}/conflicts`, ...read, (req, res, next) => {
    runAsync(next, async () => {
      const { limit = DEFAULT_LIMIT, cursor } = parseInput(pageQuery, req.query, 'query');
      const conflicts = await deps.reads.conflicts({ limit, beforeId: cursor });
      res.json({ conflicts, nextCursor: nextCursor(conflicts, limit) });
    });
  });

  router.get(`${BASE}/rejected`, ...read, (req, res, next) => {
    runAsync(next, async () => {
      const { limit = DEFAULT_LIMIT, cursor, source } = parseInput(pageQuery, req.query, 'query');
      const rejected = await deps.reads.rejected({ limit, beforeId: cursor, source });
      res.json({ rejected, nextCursor: nextCursor(rejected, limit) });
    });
  });

  router.get(`${BASE}/consumers`, ...read, (_req, res, next) => {
    runAsync(next, async () => {
      const lags = await deps.feed.lag();
      const consumers = lags.map((l) => ({
        ...l,
        // Connectors read the feed as consumers named connector:<name>.
        connector: l.name.startsWith('connector:') ? l.name.slice('connector:'.length) : null,
      }));
      res.json({ consumers });
    });
  });

  router.get(`${BASE}/connectors`, ...read, (_req, res, next) => {
    run(next, async () => {
      res.json({
        connectors: await connectorStatuses(
          deps.feed,
          deps.connectors.configs,
          deps.connectors.lastOutcome,
          await deps.connectors.parked?.(),
        ),
      });
    });
  });

  router.use(adminRecordsRouter({ records: deps.records, reads: deps.reads }, read));
  router.use(adminMappingsRouter({ ...deps.mappings, events: deps.events }, read));

  router.get(`${BASE}/audit`, ...read, (req, res, next) => {
    runAsync(next, async () => {
      const { limit = DEFAULT_LIMIT, cursor } = parseInput(pageQuery, req.query, 'query');
      const audit = await deps.audit.list({ limit, beforeId: cursor });
      res.json({ audit, nextCursor: nextCursor(audit, limit) });
    });
  });

  return router;
}
