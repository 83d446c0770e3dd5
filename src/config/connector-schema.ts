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

const hubspotConnector = z
  .object({
    type: z.literal('hubspot'),
    ...common,
    /** The shipped company, user and membership mappings, which put the AppDirect id in `idProperty`. */
    outputMappings: z.string().min(1).default('mappings/out/hubspot'),
    /** A private app's access token (scopes crm.objects.companies.write, crm.objects.contacts.write); give it through a `_FILE` variable. */
    accessToken: z.string().min(1),
    /** The API's base URL; changed only to point at a test server. */
    basePath: urlString().default('https://api.hubapi.com'),
    /** The unique property, on companies and contacts alike, that holds the AppDirect id (docs/connectors/hubspot.md). */
    idProperty: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,99}$/)
      .default('appdirect_id'),
    /** The HubSpot object each entity is upserted into; entities not listed are passed over. */
    objects: z
      .record(z.string().min(1), z.enum(['companies', 'contacts']))
      .default({ company: 'companies', user: 'contacts', membership: 'contacts' }),
    /**
     * A contact's field that names its company by AppDirect id: taken out of the properties and turned into a
     * contact-to-company association (the membership's companyUuid, in the shipped output mappings).
     */
    companyLinkField: z.string().min(1).default('appdirect_company_id'),
    /** Inputs per batch upsert: HubSpot takes at most 100. */
    batchSize: z.number().int().min(1).max(100).default(100),
    /**
     * Changes read per feed query, split per HubSpot object into batches: a page mixes companies, users and
     * memberships, so a page larger than one batch keeps the batches full (fewer requests).
     */
    pageSize: z.number().int().min(1).max(5000).default(1000),
    retry,
    onRefused,
  })
  .strict();

/** How the Salesforce connector gets its access token; the instance URL comes with the token (docs/connectors/salesforce.md). */
const salesforceAuth = z.discriminatedUnion('flow', [
  /** OAuth2 client credentials: the connected app's consumer key and secret (give the secret through a `_FILE` variable). */
  z
    .object({
      flow: z.literal('client_credentials'),
      clientId: z.string().min(1),
      clientSecret: z.string().min(1),
    })
    .strict(),
  /** OAuth2 JWT bearer: an assertion signed with the connected app's certificate key, for a pre-authorized user. */
  z
    .object({
      flow: z.literal('jwt_bearer'),
      clientId: z.string().min(1),
      /** The Salesforce user the connector acts as. */
      username: z.string().min(1),
      /** The PEM (PKCS#8) private key of the connected app's certificate; give it through a `_FILE` variable. */
      privateKey: z.string().min(1),
      /** The assertion's audience; default the login URL (https://test.salesforce.com for a sandbox). */
      audience: z.string().min(1).optional(),
    })
    .strict(),
]);

const salesforceConnector = z
  .object({
    type: z.literal('salesforce'),
    ...common,
    /** The shipped company, user and membership mappings, which put the AppDirect id in `externalIdField`. */
    outputMappings: z.string().min(1).default('mappings/out/salesforce'),
    /** Where the token is asked for: https://login.salesforce.com, https://test.salesforce.com or a My Domain URL. */
    loginUrl: urlString().default('https://login.salesforce.com'),
    /** The REST API version, e.g. 62.0 (sObject collections upsert needs 46.0 or later). */
    apiVersion: z
      .string()
      .regex(/^\d{2,3}\.0$/, 'like 62.0')
      .refine((v) => Number(v) >= 46, 'sObject collections upsert needs 46.0 or later')
      .default('62.0'),
    auth: salesforceAuth,
    /** The External ID field, on Account and Contact alike, that holds the AppDirect id. */
    externalIdField: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_]{0,79}$/)
      .default('AppDirect_Id__c'),
    /** The sObject each entity is upserted into; entities not listed are passed over. */
    objects: z
      .record(z.string().min(1), z.enum(['Account', 'Contact']))
      .default({ company: 'Account', user: 'Contact', membership: 'Contact' }),
    /** A Contact's field that names its company by AppDirect id: sent as the Account reference by External ID. */
    companyLinkField: z.string().min(1).default('appdirect_company_id'),
    /** The Contact's relationship to its Account. */
    accountRelationship: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_]{0,79}$/)
      .default('Account'),
    /** Records per sObject collections request: Salesforce takes at most 200. */
    batchSize: z.number().int().min(1).max(200).default(200),
    /** Collections requests of one sObject in flight at once (Accounts of a page still go before its Contacts). */
    concurrency: z.number().int().min(1).max(10).default(3),
    /** Changes read per feed query, split per sObject into collections of batchSize. */
    pageSize: z.number().int().min(1).max(5000).default(1000),
    /** Bulk API 2.0, for a large backlog (a backfill): used by a run that starts with at least `threshold` changes to go. */
    bulk: z
      .object({
        /** Changes behind the head at the start of a run from which the run uses ingest jobs; 0: never. */
        threshold: z.number().int().min(0).default(10_000),
        /** Changes read per feed page in a bulk run: one ingest job per sObject per page. */
        pageSize: z.number().int().min(1).max(150_000).default(50_000),
        pollIntervalMs: z.number().int().min(1).default(2000),
        /** A job not done by then fails the run (checkpoint kept); the next run upserts the same records again. */
        pollTimeoutMs: z.number().int().min(1).default(600_000),
      })
      .strict()
      .prefault({}),
    retry,
    onRefused,
  })
  .strict();

/** `connectors.<name>`: downstream delivery from the change feed, each from its own checkpoint. */
export const connectorsSchema = z
  .record(
    connectorName,
    z.discriminatedUnion('type', [httpConnector, fileConnector, databaseConnector, hubspotConnector, salesforceConnector]),
  )
  .prefault({});

export type ConnectorConfig = z.infer<typeof connectorsSchema>[string];
export type HttpConnectorConfig = z.infer<typeof httpConnector>;
export type FileConnectorConfig = z.infer<typeof fileConnector>;
export type DatabaseConnectorConfig = z.infer<typeof databaseConnector>;
export type HubspotConnectorConfig = z.infer<typeof hubspotConnector>;
export type SalesforceConnectorConfig = z.infer<typeof salesforceConnector>;
export type SalesforceAuthConfig = z.infer<typeof salesforceAuth>;
export type HttpAuthConfig = z.infer<typeof httpAuth>;
export type RetryConfig = z.infer<typeof retry>;
