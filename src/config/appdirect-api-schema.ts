import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { urlString } from './connector-schema';

/** The entities backfill and reconcile know, in the order a full backfill lists them (companies before memberships). */
export const BACKFILL_ENTITIES = ['company', 'user', 'membership', 'subscription', 'order', 'invoice', 'catalog_product'] as const;
export type BackfillEntity = (typeof BACKFILL_ENTITIES)[number];

/**
 * A marketplace's REST API, for backfill, reconcile and the re-fetch of `resource.url` (docs/backfill.md).
 * `clientSecretFile` is read once at load and replaced by `clientSecret`, so the secret never sits in a config file.
 * @remarks The base URL must be HTTPS (AppDirect refuses plain HTTP); plain HTTP is allowed on a loopback address
 * only, for the fake marketplace of `simulate-marketplace` and the tests.
 */
export const appdirectApiSchema = z
  .object({
    /** The marketplace, e.g. https://acme.byappdirect.com; paths are `{baseUrl}/api/...`, the token `{baseUrl}/oauth2/token`. */
    baseUrl: urlString().refine(isHttpsOrLoopback, 'must be https:// (http:// only on 127.0.0.1, ::1 or localhost)'),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1).optional(),
    clientSecretFile: z.string().min(1).optional(),
    scope: z.string().min(1).default('ROLE_PARTNER_READ'),
    /** Requests per second to the marketplace (AppDirect's buckets drain at 4-5 per second); 0 turns the limiter off. */
    requestsPerSecond: z.number().min(0).default(4),
    /** Attempts per request on 429, 5xx and network errors, with exponential backoff and jitter (Retry-After honoured). */
    maxAttempts: z.number().int().min(1).max(20).default(6),
    backoffBaseMs: z.number().int().min(1).default(1000),
    backoffMaxMs: z.number().int().min(1).default(60_000),
    timeoutMs: z.number().int().min(100).default(30_000),
    /** A response body larger than this is refused (APPDIRECT_API_RESPONSE_TOO_LARGE). */
    maxResponseBytes: z
      .number()
      .int()
      .min(1024)
      .default(16 * 1024 * 1024),
    /** Items asked for per page (`size` or `count`). */
    pageSize: z.number().int().min(1).max(1000).default(100),
    /** Listed items committed to the inbox (and checkpointed) per transaction; a resumed backfill re-reads at most this many. */
    commitItems: z.number().int().min(1).max(10_000).default(500),
    /** Entities a backfill lists at a time (memberships still after companies and users); the rate limit is shared. */
    listConcurrency: z.number().int().min(1).max(7).default(4),
    /** Complete ADDED/CHANGED deliveries without content by a GET of their resource.url (docs/backfill.md). */
    refetch: z.boolean().default(true),
    reconcile: z
      .object({
        /** node-cron schedule of the incremental reconcile (lastModified listings); none: on demand only. */
        schedule: z.string().optional(),
        /** A full listing of every entity every this many runs (the others are incremental where the API allows). */
        fullEvery: z.number().int().min(1).default(24),
        /** Tombstone a record AppDirect no longer lists (only after a full listing); off: only reported. */
        tombstoneMissing: z.boolean().default(false),
        entities: z.array(z.enum(BACKFILL_ENTITIES)).optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .refine((a) => (a.clientSecret === undefined) !== (a.clientSecretFile === undefined), {
    message: 'give exactly one of clientSecret or clientSecretFile',
    path: ['clientSecret'],
  })
  .transform((a, ctx) => {
    if (a.clientSecretFile === undefined) return { ...a, clientSecret: a.clientSecret as string };
    try {
      return { ...a, clientSecret: readFileSync(a.clientSecretFile, 'utf8').trim(), clientSecretFile: undefined };
    } catch {
      // The path is not secret, the file's content is: only the path is named.
      ctx.addIssue({ code: 'custom', path: ['clientSecretFile'], message: `cannot read file ${a.clientSecretFile}` });
      return z.NEVER;
    }
  });

export type AppdirectApiConfig = z.infer<typeof appdirectApiSchema>;

function isHttpsOrLoopback(value: string): boolean {
  const url = new URL(value);
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && isLoopbackHost(url.hostname);
}

/** 127.0.0.1, ::1 and localhost: the only hosts plain HTTP is allowed to (the fake marketplace). */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}
