import express, { Router, type Request, type Response } from 'express';
import type { ApiKeyAuth } from '../auth/api-key-auth';
import { AppError } from '../core/app-error';
import type { Change, ChangePage } from './change-feed';
import { parseCursor } from './change-feed';
import type { FeedCaller, FeedService } from './feed-service';
import { intParam, listParam, timeParam } from './query-params';

const MAX_WAIT_SECONDS = 60;

/**
 * The change feed over HTTP, for downstream connectors:
 * - `GET /api/v1/changes?after=&limit=&entity=&wait=` — changes in commit order and the next cursor;
 * - `GET /api/v1/consumers/:name/changes` — the next batch after a named consumer's checkpoint;
 * - `POST /api/v1/consumers/:name/ack {cursor}` — moves the checkpoint;
 * - `POST /api/v1/consumers/:name/rewind {cursor | time}` and `GET /api/v1/consumers` (scope admin).
 * `wait` (seconds, at most 60) long-polls until a change is committed.
 */
export function feedRouter(feed: FeedService, auth: ApiKeyAuth): Router {
  const router = Router();
  const json = express.json({ limit: '16kb' });

  router.get('/api/v1/changes', ...auth.require('feed:read'), (req, res, next) => {
    const after = parseCursor(req.query.after as string | undefined);
    if (after === undefined) {
      next(new AppError('API_BAD_REQUEST', 'after must be a cursor returned by this API'));
      return;
    }
    feed.read(String(after), readOptions(req)).then((page) => res.json(render(page)), next);
  });

  router.get('/api/v1/consumers/:name/changes', ...auth.require('feed:read'), (req, res, next) => {
    const name = consumerName(req);
    feed
      .authorize(name, callerOf(res))
      .then(() => feed.readFor(name, readOptions(req)))
      .then((page) => res.json({ ...render(page), checkpoint: String(page.consumer.cursor) }), next);
  });

  router.post('/api/v1/consumers/:name/ack', ...auth.require('feed:read'), json, (req, res, next) => {
    const cursor = parseCursor(String((req.body as { cursor?: unknown })?.cursor ?? ''));
    if (cursor === undefined || (req.body as { cursor?: unknown })?.cursor === undefined) {
      next(new AppError('API_BAD_REQUEST', 'body must be {"cursor": "<cursor>"}'));
      return;
    }
    const name = consumerName(req);
    feed
      .authorize(name, callerOf(res))
      .then(() => feed.ack(name, cursor))
      .then((c) => res.json({ name: c.name, checkpoint: String(c.cursor) }), next);
  });

  router.post('/api/v1/consumers/:name/rewind', ...auth.require('admin'), json, (req, res, next) => {
    const body = (req.body ?? {}) as { cursor?: unknown; time?: unknown };
    let to: { cursor: number } | { time: Date };
    try {
      if (body.time !== undefined) to = { time: timeParam(body.time, 'time') as Date };
      else {
        const cursor = parseCursor(body.cursor === undefined ? undefined : String(body.cursor));
        if (cursor === undefined || body.cursor === undefined)
          throw new AppError('API_BAD_REQUEST', 'body must be {"cursor": "..."} or {"time": "<ISO-8601>"}');
        to = { cursor };
      }
    } catch (err) {
      next(err);
      return;
    }
    feed.rewind(consumerName(req), to).then((c) => res.json({ name: c.name, checkpoint: String(c.cursor) }), next);
  });

  router.get('/api/v1/consumers', ...auth.require('admin'), (_req, res, next) => {
    feed.lag().then(
      (lags) =>
        res.json({
          consumers: lags.map((l) => ({ ...l, cursor: String(l.cursor), head: String(l.head), purgedThrough: String(l.purgedThrough) })),
        }),
      next,
    );
  });

  return router;
}

function readOptions(req: Request) {
  const controller = new AbortController();
  // A long-poll whose client went away stops waiting.
  req.on('close', () => controller.abort());
  return {
    limit: intParam(req.query.limit, 'limit', 100, 1, 1000),
    entities: listParam(req.query.entity, 'entity'),
    waitMs: intParam(req.query.wait, 'wait', 0, 0, MAX_WAIT_SECONDS) * 1000,
    signal: controller.signal,
  };
}

/** The API key ApiKeyAuth let through (see its require()). */
function callerOf(res: Response): FeedCaller {
  return res.locals.apiCaller as FeedCaller;
}

function consumerName(req: Request): string {
  const name = req.params.name ?? '';
  if (!/^[A-Za-z0-9._:-]{1,128}$/.test(name))
    throw new AppError('API_BAD_REQUEST', 'consumer name: letters, digits, . _ : - (at most 128)');
  return name;
}

function render(page: ChangePage) {
  return { changes: page.changes.map(renderChange), next_cursor: page.nextCursor };
}

/** A change as the feed API and the batch-mode http connector send it: cursor as text, snake_case names. */
export function renderChange(c: Change) {
  return {
    cursor: String(c.seq),
    source: c.source,
    entity: c.entity,
    key: c.key,
    kind: c.kind,
    data: c.data,
    links: c.links,
    event: { uuid: c.eventUuid, timestamp: c.eventTimestamp },
    mapping_version: c.mappingVersion,
    cause: c.cause,
    committed_at: c.createdAt.toISOString(),
  };
}
