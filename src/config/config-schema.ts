import { z } from 'zod';
import { connectorsSchema, urlString } from './connector-schema';
import { appdirectApiSchema } from './appdirect-api-schema';
import { tlsSchema } from './tls-schema';

const sourceName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, - and _');

/** One active webhook token. Kept only as its SHA-256; `value` is hashed at load and dropped. */
const webhookToken = z
  .object({
    /** A label for logs and rotation ("2026-11"): never the secret itself. */
    name: z.string().min(1),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits')
      .optional(),
    value: z.string().min(16, 'at least 16 characters').optional(),
    expiresAt: z.coerce.date().optional(),
  })
  .strict()
  .refine((t) => (t.sha256 === undefined) !== (t.value === undefined), {
    message: 'give exactly one of sha256 or value',
    // Only on a token whose keys are valid: a value that is too short is that problem, not this one.
    when: (payload) => payload.issues.length === 0,
  });

const sourceAuth = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('none') }).strict(),
  z.object({ mode: z.literal('token'), tokens: z.array(webhookToken).min(1) }).strict(),
  z.object({ mode: z.literal('oauth2') }).strict(),
  z
    .object({
      mode: z.literal('jwt'),
      jwksUrl: urlString(),
      issuer: z.string().min(1),
      audience: z.string().min(1),
      algorithms: z.array(z.string()).default(['RS256', 'ES256', 'PS256', 'EdDSA']),
      clockToleranceSeconds: z.number().int().min(0).default(30),
      /** Only tokens with one of these `sub`s: binds the source when the IdP issues tokens for others too. */
      subjects: z.array(z.string().min(1)).min(1).optional(),
      /** Only tokens whose client id claim (client_id, azp, cid or appid) is one of these. */
      clientIds: z.array(z.string().min(1)).min(1).optional(),
    })
    .strict(),
]);

const source = z
  .object({
    description: z.string().optional(),
    auth: sourceAuth,
    /** The marketplace's REST API: backfill, reconcile and re-fetch of resource.url (docs/backfill.md). */
    appdirectApi: appdirectApiSchema.optional(),
  })
  .strict();

/** The one schema for every setting. `docs/configuration.md` describes each key. */
export const configSchema = z
  .object({
    /** `production` refuses sources with auth mode none. */
    environment: z.enum(['development', 'test', 'production']).default('development'),
    server: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8080),
        bodyLimitBytes: z
          .number()
          .int()
          .min(1024)
          .default(1024 * 1024),
        /** Longest a request may take before the server answers 503; well inside AppDirect's 30 s. */
        requestTimeoutMs: z.number().int().min(100).default(10_000),
        shutdownTimeoutMs: z.number().int().min(100).default(15_000),
        tls: tlsSchema.optional(),
        /** Trust X-Forwarded-For from this many proxies (for rate limiting by client address). */
        trustProxy: z.union([z.boolean(), z.number().int().min(0)]).default(false),
      })
      .strict()
      .prefault({}),
    db: z
      .object({
        client: z.enum(['sqlite', 'pg']).default('sqlite'),
        filename: z.string().default('data/appdirect-sync.db'),
        url: z.string().optional(),
        /** PostgreSQL schema for every table (the connection's search_path); created at migrate time if missing. */
        schema: z
          .string()
          .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'lowercase letters, digits and _, not starting with a digit')
          .optional(),
        pool: z
          .object({ max: z.number().int().min(1).default(10) })
          .strict()
          .prefault({}),
        /**
         * SQLite, while the service listens: how long one statement waits for a lock another process holds, with the
         * event loop stopped (better-sqlite3 is synchronous). Longer waits are asynchronous retries (docs/operations.md).
         */
        busyTimeoutMs: z.number().int().min(0).max(1000).default(20),
      })
      .strict()
      .prefault({})
      .refine((db) => db.client !== 'pg' || !!db.url, { message: 'db.url is required when db.client is pg', path: ['url'] })
      .refine((db) => db.client === 'pg' || db.schema === undefined, { message: 'db.schema applies to pg only', path: ['schema'] }),
    receiver: z
      .object({
        /** Most deliveries committed in one transaction (group commit). */
        groupCommitMax: z.number().int().min(1).max(10_000).default(500),
        /** Rejected deliveries kept for inspection; older ones are pruned. */
        rejectedKeep: z.number().int().min(10).default(10_000),
        /** Deepest nesting of arrays and objects accepted in a webhook body; deeper ones get 400 RECEIVER_TOO_DEEP. */
        maxDepth: z.number().int().min(4).max(1000).default(64),
      })
      .strict()
      .prefault({}),
    auth: z
      .object({
        tokenTtlSeconds: z.number().int().min(60).default(3600),
        failedAuth: z
          .object({
            windowMs: z.number().int().min(1000).default(60_000),
            max: z.number().int().min(1).default(30),
            maxTrackedKeys: z.number().int().min(100).default(100_000),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    /**
     * Mapping files (docs/mappings.md). `dir` is resolved from the working directory. With `hotReload` on, an edited
     * file is swapped in when valid; a broken edit is logged and the previous version stays.
     */
    mappings: z
      .object({
        dir: z.string().min(1).default('mappings'),
        hotReload: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    worker: z
      .object({
        /** Run the sync worker inside `serve`; turn off when `appdirect-sync worker` runs it as its own process. */
        enabled: z.boolean().default(true),
        batchSize: z.number().int().min(1).max(5000).default(500),
        /** How long a claim lasts on PostgreSQL; a crashed worker's events come back after it. SQLite leases nothing (ADR 0042). */
        leaseMs: z.number().int().min(1000).default(60_000),
        /** Attempts after transient errors before an event is dead. */
        maxAttempts: z.number().int().min(1).default(8),
        backoffBaseMs: z.number().int().min(1).default(1000),
        backoffMaxMs: z.number().int().min(1).default(300_000),
        /** Poll interval when idle (the receiver also wakes the worker in the same process). */
        idleDelayMs: z.number().int().min(10).default(500),
        /**
         * Under `serve`: run the worker on a thread of its own, with its own database connection and its mapping
         * inline, off the thread that serves HTTP (docs/adr/0040-worker-thread.md). Other commands run it in process.
         * Off by default: measured, it moved CPU off the serving thread but cost 10–30% more CPU per delivery and
         * 10 MB of memory, for a gain only on a machine short of CPU.
         */
        thread: z.boolean().default(false),
        /** Map on a thread of its own, in parallel with applying (docs/adr/0009-mapping-thread.md). */
        mappingThread: z.boolean().default(true),
        /**
         * While deliveries come in to this process, bound an apply transaction to about this many ms by claiming
         * fewer events; 0 always claims batchSize (docs/adr/0032-intake-first-batch-bound.md).
         */
        busyTransactionMs: z.number().int().min(0).max(10_000).default(10),
      })
      .strict()
      .prefault({}),
    retention: z
      .object({
        /** Payloads of processed (done or stale) inbox events older than this are purged; AppDirect keeps 90 days. */
        days: z.number().int().min(1).default(90),
        /** node-cron schedule of the purge. */
        schedule: z.string().default('17 3 * * *'),
        /** Rows deleted per statement (keyset chunks), so a purge never holds SQLite's write lock for long. */
        chunkSize: z.number().int().min(1).max(10_000).default(1000),
        changes: z
          .object({
            /** Changes older than this are deleted, never past the checkpoint of a registered consumer; null keeps them. */
            days: z.number().int().min(1).nullable().default(90),
            /**
             * A consumer whose checkpoint is older than this stops holding changes back: retention purges past it and it
             * is marked fallen behind (FEED_CURSOR_EXPIRED). null (the default): consumers always hold changes back.
             */
            maxConsumerLagDays: z.number().int().min(1).nullable().default(null),
          })
          .strict()
          .prefault({}),
        inboxEvents: z
          .object({
            /** Rows of done and stale events processed longer ago are deleted (the dedupe window); null keeps them. */
            days: z.number().int().min(1).nullable().default(180),
            /** Rows of failed, dead and unmapped events received longer ago are deleted; null (the default) keeps them. */
            unresolvedDays: z.number().int().min(1).nullable().default(null),
          })
          .strict()
          .prefault({}),
        /** Same-uuid conflicts received longer ago are deleted. */
        conflicts: z
          .object({ days: z.number().int().min(1).default(90) })
          .strict()
          .prefault({}),
        /** Rejected deliveries received longer ago are deleted (the receiver also keeps only the newest N). */
        rejectedDeliveries: z
          .object({ days: z.number().int().min(1).default(30) })
          .strict()
          .prefault({}),
        /** OAuth2 tokens expired (or revoked) longer ago are deleted. */
        oauthTokens: z
          .object({ days: z.number().int().min(1).default(7) })
          .strict()
          .prefault({}),
        /** Connector failures resolved (retried or skipped) longer ago are deleted; parked ones wait for a person. */
        connectorFailures: z
          .object({ days: z.number().int().min(1).default(90) })
          .strict()
          .prefault({}),
        /** Rows of the admin API's audit trail written longer ago are deleted; long by default, an audit is kept. */
        adminAudit: z
          .object({ days: z.number().int().min(1).default(365) })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    log: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
        /** `json` lines, `pretty` for people, `auto`: pretty when stderr is a terminal (logs always go to stderr). */
        format: z.enum(['json', 'pretty', 'auto']).default('auto'),
      })
      .strict()
      .prefault({}),
    /**
     * Prometheus metrics (docs/operations.md §10): `GET /metrics` on the main port for API keys with `metrics:read`,
     * and/or on a listener of its own (`port`) that serves only /metrics, without a key, bound to `host`.
     */
    metrics: z
      .object({
        enabled: z.boolean().default(true),
        /** How long one scrape's database reads are reused by the next scrapes of this process. */
        cacheMs: z.number().int().min(0).default(2000),
        /** A separate listener for /metrics alone, without an API key (0: any free port); none by default. */
        port: z.number().int().min(0).max(65535).optional(),
        /** Where that listener binds: keep it on a loopback or private address, it asks for no key. */
        host: z.string().min(1).default('127.0.0.1'),
        /**
         * Whether the main port still serves /metrics (behind `metrics:read`). Default: yes without `port`, no with
         * it, so a metrics port moves the scrape off the public port.
         */
        mainPort: z.boolean().optional(),
      })
      .strict()
      .refine((m) => m.mainPort !== false || m.port !== undefined, {
        message: 'metrics.mainPort false needs metrics.port, or /metrics is served nowhere (use metrics.enabled false)',
        path: ['mainPort'],
      })
      .prefault({}),
    /** The operations console at /console (docs/console.md): sign-in with an API key, a session cookie. */
    console: z
      .object({
        enabled: z.boolean().default(true),
        /** A session ends after this many minutes without a request (each request moves the expiry). */
        sessionIdleMinutes: z
          .number()
          .int()
          .min(1)
          .max(24 * 60)
          .default(60),
      })
      .strict()
      .prefault({}),
    sources: z.record(sourceName, source).prefault({}),
    /** Downstream delivery from the change feed (docs/consumers.md). */
    connectors: connectorsSchema,
  })
  .strict()
  .superRefine((cfg, ctx) => {
    // Cross-key rules read a valid config only; with other problems, those are listed alone.
    if (ctx.issues.length > 0 || cfg.environment !== 'production') return;
    refuseSharedJwtAudiences(cfg.sources, ctx);
    for (const [name, src] of Object.entries(cfg.sources)) {
      if (src.auth.mode === 'none') {
        ctx.addIssue({
          code: 'custom',
          path: ['sources', name, 'auth', 'mode'],
          message: 'auth mode none is refused when environment is production',
        });
      }
    }
  });

/**
 * Production refuses two jwt sources with the same issuer and audience unless each is bound by `subjects` or
 * `clientIds`: otherwise either accepts the other's tokens.
 */
function refuseSharedJwtAudiences(sources: Record<string, z.infer<typeof source>>, ctx: z.RefinementCtx): void {
  const seen = new Map<string, string>();
  for (const [name, src] of Object.entries(sources)) {
    if (src.auth.mode !== 'jwt') continue;
    const key = JSON.stringify([src.auth.issuer, src.auth.audience]);
    const other = seen.get(key);
    seen.set(key, other ?? name);
    if (other === undefined) continue;
    const unbound = [other, name].filter((n) => {
      const a = sources[n]?.auth;
      return a?.mode === 'jwt' && a.subjects === undefined && a.clientIds === undefined;
    });
    if (unbound.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['sources', unbound[0] as string, 'auth'],
        message: `jwt sources ${other} and ${name} share issuer and audience: bind each with subjects or clientIds (production)`,
      });
    }
  }
}

export type Config = z.infer<typeof configSchema>;
export type SourceConfig = z.infer<typeof source>;
export type SourceAuthConfig = z.infer<typeof sourceAuth>;
export type WebhookTokenConfig = z.infer<typeof webhookToken>;
