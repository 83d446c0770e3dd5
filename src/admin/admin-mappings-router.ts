import express, { Router, type RequestHandler } from 'express';
import { AppError } from '../core/app-error';
import type { EventAdminStore } from '../inbox/event-admin-store';
import { previewMapping, runMappingTests, type CompiledMapping } from '../mapping';
import { exceedsJsonDepth } from '../receiver/json-depth';
import { run } from './admin-handler';
import { parseInput } from '../http/parse-input';
import { mappingPreviewBody, mappingTestBody } from './admin-schemas';

const BASE = '/api/v1/admin/mappings';

/** What mapping preview and tests use: the service's own mappings, the folder their tests are in, and the events. */
export interface AdminMappingsDeps {
  /** The live mapping of a resource type (the registry the worker maps with). */
  mappingFor: (resourceType: string) => CompiledMapping | undefined;
  /** The mappings folder (config mappings.dir), whose test cases `/test` runs. */
  mappingsDir: string;
  events: EventAdminStore;
  /** The largest request body (server.bodyLimitBytes: a delivery to preview is at most a webhook's size). */
  bodyLimitBytes: number;
  /** The deepest nesting accepted (receiver.maxDepth, plus the body's own level). */
  maxDepth: number;
}

/**
 * Mapping preview and tests over HTTP (scope `admin:read`, given as `read`: they change nothing), calling what
 * `mappings preview` and `mappings test` call:
 * - `POST /api/v1/admin/mappings/preview` `{ "delivery": {…} }` or `{ "eventId": 42 }` → the normalized record, or
 *   the errors with their file, field and path;
 * - `POST /api/v1/admin/mappings/test` `{ "filter"?: "…" }` → every case's pass or fail, with the diff of a failure.
 * @remarks The body is bounded in size (`bodyLimitBytes`) and checked for depth on its raw bytes before it is
 * parsed, as the receiver does, so a hostile body costs one loop and a 4xx.
 */
export function adminMappingsRouter(deps: AdminMappingsDeps, read: RequestHandler[]): Router {
  const router = Router();
  const raw = express.raw({ type: () => true, limit: deps.bodyLimitBytes });

  router.post(`${BASE}/preview`, ...read, raw, (req, res, next) => {
    run(next, async () => {
      const body = parseInput(mappingPreviewBody, jsonBody(req.body, deps.maxDepth), 'body');
      let delivery: unknown = body.delivery;
      if (body.eventId !== undefined) delivery = await storedDelivery(deps.events, body.eventId);
      res.json(await previewMapping(deps.mappingFor, delivery));
    });
  });

  router.post(`${BASE}/test`, ...read, raw, (req, res, next) => {
    run(next, async () => {
      const { filter } = parseInput(mappingTestBody, jsonBody(req.body, deps.maxDepth), 'body');
      const outcome = await runMappingTests(deps.mappingsDir, filter);
      res.json({ ok: outcome.failed === 0 && outcome.problems.length === 0 && outcome.results.length > 0, ...outcome });
    });
  });

  return router;
}

/** The request body as JSON: empty is `{}`; too deep or malformed is a 400 that says which. */
function jsonBody(body: unknown, maxDepth: number): unknown {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
  if (bytes.length === 0) return {};
  if (exceedsJsonDepth(bytes, maxDepth)) {
    throw new AppError('API_BAD_REQUEST', `body: nested deeper than ${maxDepth} levels`, { parameter: 'body' });
  }
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    throw new AppError('API_BAD_REQUEST', 'body: not valid JSON', { parameter: 'body' });
  }
}

/** The stored body of event `id`, parsed (the same refusals as `mappings preview <id>`). */
async function storedDelivery(events: EventAdminStore, id: number): Promise<unknown> {
  const event = await events.get(id);
  if (!event) throw new AppError('EVENT_NOT_FOUND', `no event with id ${id}`);
  if (event.payloadPurgedAt) {
    throw new AppError('EVENT_PAYLOAD_PURGED', `event ${id}: body purged by retention at ${event.payloadPurgedAt.toISOString()}`);
  }
  try {
    return JSON.parse(event.body.toString('utf8')) as unknown;
  } catch {
    return null; // a stored body that is not JSON previews as "no mapping handles resource.type null"
  }
}
