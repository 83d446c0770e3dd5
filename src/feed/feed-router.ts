import express, { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import type { ApiKeyAuth } from '../auth/api-key-auth';
import { parseInput } from '../http/parse-input';
import { runAsync } from '../http/run-async';
import type { Change, ChangePage } from './change-feed';
import { ackBody, changesQuery, consumerParams, feedReadQuery, rewindBody } from './feed-schemas';
import type { FeedCaller, FeedService } from './feed-service';

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
    runAsync(next, async () => {
      const query = parseInput(changesQuery, req.query, 'query');
      const page = await feed.read(String(query.after ?? '0'), readOptions(req, query));
      res.json(render(page));
    });
  });

  router.get('/api/v1/consumers/:name/changes', ...auth.require('feed:read'), (req, res, next) => {
    runAsync(next, async () => {
      const { name } = parseInput(consumerParams, req.params, 'path');
      const options = readOptions(req, parseInput(feedReadQuery, req.query, 'query'));
      await feed.authorize(name, callerOf(res));
      const page = await feed.readFor(name, options);
      res.json({ ...render(page), checkpoint: String(page.consumer.cursor) });
    });
  });

  router.post('/api/v1/consumers/:name/ack', ...auth.require('feed:read'), json, (req, res, next) => {
    runAsync(next, async () => {
      const { name } = parseInput(consumerParams, req.params, 'path');
      const { cursor } = parseInput(ackBody, req.body, 'body');
      await feed.authorize(name, callerOf(res));
      const c = await feed.ack(name, cursor);
      res.json({ name: c.name, checkpoint: String(c.cursor) });
    });
  });

  router.post('/api/v1/consumers/:name/rewind', ...auth.require('admin'), json, (req, res, next) => {
    runAsync(next, async () => {
      const { name } = parseInput(consumerParams, req.params, 'path');
      const to = parseInput(rewindBody, req.body, 'body');
      const c = await feed.rewind(name, 'time' in to ? { time: to.time } : { cursor: to.cursor });
      res.json({ name: c.name, checkpoint: String(c.cursor) });
    });
  });

  router.get('/api/v1/consumers', ...auth.require('admin'), (_req, res, next) => {
    runAsync(next, async () => {
      const lags = await feed.lag();
      res.json({
        consumers: lags.map((l) => ({
          ...l,
          cursor: String(l.cursor),
          head: String(l.head),
          purgedThrough: String(l.purgedThrough),
          ackedAt: l.ackedAt?.toISOString() ?? null,
        })),
      });
    });
  });

  return router;
}

function readOptions(req: Request, query: z.output<typeof feedReadQuery>) {
  const controller = new AbortController();
  // A long-poll whose client went away stops waiting.
  req.on('close', () => controller.abort());
  return { limit: query.limit ?? 100, entities: query.entity ?? [], waitMs: (query.wait ?? 0) * 1000, signal: controller.signal };
}

/** The API key ApiKeyAuth let through (see its require()). */
function callerOf(res: Response): FeedCaller {
  return res.locals.apiCaller as FeedCaller;
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
