import { Router } from 'express';

/** What /readyz asks before saying the instance can take traffic. */
export interface ReadinessProbe {
  check(): Promise<{ ready: boolean; checks: Record<string, string> }>;
}

/** `GET /healthz`: the process is up. `GET /readyz`: the database answers and migrations are current. */
export function healthRouter(readiness: ReadinessProbe): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', (_req, res, next) => {
    readiness.check().then((r) => {
      res.status(r.ready ? 200 : 503).json({ status: r.ready ? 'ready' : 'not ready', checks: r.checks });
    }, next);
  });
  return router;
}
