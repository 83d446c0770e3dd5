import { validate as isCronExpression } from 'node-cron';
import { z } from 'zod';

/**
 * An absolute URL kept exactly as written. zod/v4's own `.url()` replaces the value with the parsed `href`, which
 * percent-encodes the `{key}` placeholders of a connector's URL template; this one only checks.
 * @example const schema = z.object({ url: urlString() });
 */
export function urlString(): z.ZodString {
  return z.string().refine((value) => URL.canParse(value), 'Invalid url');
}

/** Connector names become consumer names (`connector:<name>`) and file-name parts, so they stay plain. */
const connectorName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, - and _');

/** A node-cron expression (5 fields, or 6 with seconds first). Without one the connector runs only on demand. */
const schedule = z.string().refine((s) => isCronExpression(s), { message: 'not a valid cron expression' });

/** Entity names as the mappings produce them; empty means every entity. */
const entities = z.array(z.string().min(1)).default([]);

/** Retries of one failed send: exponential backoff from baseMs, capped at maxMs, with full jitter. */
const retry = z
  .object({
    /** Tries per request in all, the first included. */
    attempts: z.number().int().min(1).max(100).default(6),
    baseMs: z.number().int().min(1).default(500),
    maxMs: z.number().int().min(1).default(60_000),
  })
  .strict()
  .prefault({});

const httpAuth = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }).strict(),
  /** A static token sent as `Authorization: Bearer <token>`; give it through a `_FILE` variable. */
  z.object({ type: z.literal('bearer'), token: z.string().min(1) }).strict(),
  /** OAuth2 client credentials against the downstream's token endpoint (simple-oauth2). */
  z
    .object({
      type: z.literal('oauth2'),
      tokenUrl: urlString(),
      clientId: z.string().min(1),
      clientSecret: z.string().min(1),
      scope: z.string().min(1).optional(),
      /** `header` (HTTP Basic, client_secret_basic) or `body` (client_secret_post). */
      clientAuth: z.enum(['header', 'body']).default('header'),
      /** A cached token this close to its expiry is replaced before use. */
      refreshMarginSeconds: z.number().int().min(0).default(60),
    })
    .strict(),
]);

const common = {
  /** Off: never scheduled; `connectors run <name>` still runs it. */
  enabled: z.boolean().default(true),
  schedule: schedule.optional(),
  entities,
  /**
   * A folder of output mappings, one `<entity>.yaml` per entity, from the normalized record to what this connector
   * sends (docs/mappings.md §9); entities without a file are sent as normalized. Convention: `mappings/out/<name>`.
   */
  outputMappings: z.string().min(1).optional(),
};

/** A change the destination refuses for good: `park` it and go on (default), or `stop` the connector at it. */
const onRefused = z.enum(['park', 'stop']).default('park');

const httpConnector = z
  .object({
    type: z.literal('http'),
    ...common,
    /**
     * `batch`: POST a JSON array of up to batchSize changes to `url`. `record`: send each change's record data to
     * `url`, a template with `{key}`, `{entity}` and `{source}` (each URL-encoded).
     */
    mode: z.enum(['batch', 'record']),
    url: urlString(),
    /** Method of record mode; batch mode always POSTs. */
    method: z.enum(['POST', 'PUT', 'PATCH']).default('POST'),
    /** Record mode, deleted records: `delete` sends DELETE to the URL, `send` sends the data like any change, `skip` sends nothing. */
    onDelete: z.enum(['delete', 'send', 'skip']).default('delete'),
    batchSize: z.number().int().min(1).max(1000).default(100),
    headers: z.record(z.string(), z.string()).prefault({}),
    timeoutMs: z.number().int().min(100).default(30_000),
    auth: httpAuth.prefault({ type: 'none' }),
    retry,
    onRefused,
  })
  .strict();

const fileConnector = z
  .object({
    type: z.literal('file'),
    ...common,
    /** Folder the files are written to; created when missing. */
    dir: z.string().min(1),
    formats: z
      .array(z.enum(['ndjson', 'csv']))
      .min(1)
      .default(['ndjson', 'csv']),
    /** Changes read from the feed per query. */
    pageSize: z.number().int().min(1).max(10_000).default(1000),
    /** Most changes exported by one run; a longer backlog is exported by the following runs. */
    maxChangesPerRun: z.number().int().min(1).default(1_000_000),
  })
  .strict();

const databaseConnector = z
  .object({
    type: z.literal('database'),
    ...common,
    /** `pg` (PostgreSQL) or `mysql` (MySQL and MariaDB, through mysql2). */
    client: z.enum(['pg', 'mysql']),
    /** The destination: postgres://user@host:5432/db or mysql://user@host:3306/db (the password apart, below). */
    url: urlString(),
    /** The destination's password, through a `_FILE` variable; overrides one in the URL. */
    password: z.string().optional(),
    /** PostgreSQL: the schema of the tables (created when missing); default the user's search path. */
    schema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/)
      .optional(),
    /** Table name = tablePrefix + entity. */
    tablePrefix: z
      .string()
      .regex(/^[a-z0-9_]{0,32}$/, 'lowercase letters, digits and _')
      .default(''),
    /** Changes read per feed query and written per statement (per entity). */
    batchSize: z.number().int().min(1).max(5000).default(500),
    onRefused,
  })
  .strict();

/** `connectors.<name>`: downstream delivery from the change feed, each from its own checkpoint. */
export const connectorsSchema = z
  .record(connectorName, z.discriminatedUnion('type', [httpConnector, fileConnector, databaseConnector]))
  .prefault({});

export type ConnectorConfig = z.infer<typeof connectorsSchema>[string];
export type HttpConnectorConfig = z.infer<typeof httpConnector>;
export type FileConnectorConfig = z.infer<typeof fileConnector>;
export type DatabaseConnectorConfig = z.infer<typeof databaseConnector>;
export type HttpAuthConfig = z.infer<typeof httpAuth>;
export type RetryConfig = z.infer<typeof retry>;
