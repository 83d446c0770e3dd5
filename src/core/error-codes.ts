/**
 * Every error code the service can answer with, its HTTP status and what it means.
 * `docs/errors.md` documents each one; a test fails when a code here is missing there.
 */
export const ERROR_CODES = {
  RECEIVER_UNKNOWN_SOURCE: { status: 404, meaning: 'No webhook source with that name is configured.' },
  RECEIVER_MISSING_TOKEN: {
    status: 401,
    meaning: 'A token source got no x-appdirect-webhook-token (or legacy AppDirect-Webhook-Token) header.',
  },
  RECEIVER_BAD_TOKEN: { status: 401, meaning: 'The webhook token matches none of the active tokens of this source.' },
  RECEIVER_MALFORMED_JSON: { status: 400, meaning: 'The request body is not valid JSON.' },
  RECEIVER_BAD_ENVELOPE: { status: 400, meaning: 'The JSON is not an AppDirect webhook envelope; the message names the field.' },
  RECEIVER_TOO_DEEP: { status: 400, meaning: 'The body nests arrays and objects deeper than receiver.maxDepth (default 64).' },
  RECEIVER_UNSTORABLE: {
    status: 422,
    meaning:
      'The database refused a value of this delivery alone (the others of its batch were committed); it would fail on every retry, so it is recorded as a rejection.',
  },
  RECEIVER_BODY_TOO_LARGE: { status: 413, meaning: 'The body is over the configured server.bodyLimitBytes.' },
  RECEIVER_UNSUPPORTED_ENCODING: { status: 415, meaning: 'The Content-Encoding of a webhook is not identity, gzip or deflate.' },
  RECEIVER_UNSUPPORTED_CHARSET: {
    status: 415,
    meaning: 'The Content-Type of a webhook declares a charset other than utf-8 (or us-ascii).',
  },
  RECEIVER_BODY_UNREADABLE: {
    status: 400,
    meaning:
      'The webhook body could not be read: the client aborted the upload, the compressed data is corrupt, or the body is not as long as Content-Length says.',
  },
  RECEIVER_STORE_UNAVAILABLE: { status: 503, meaning: 'The delivery could not be committed; AppDirect retries it later.' },
  AUTH_RATE_LIMITED: {
    status: 429,
    meaning:
      'Too many failed authentication attempts from this address for this endpoint family (webhooks, token endpoint, APIs), or against this client id at the token endpoint.',
  },
  AUTH_INVALID_TOKEN: { status: 401, meaning: 'The bearer token is unknown, expired, revoked or issued for another source.' },
  AUTH_MISSING_TOKEN: { status: 401, meaning: 'An oauth2 or jwt source got no Authorization: Bearer header.' },
  AUTH_BAD_REQUEST: { status: 400, meaning: 'The Authorization header is malformed.' },
  HTTP_NOT_FOUND: { status: 404, meaning: 'No such route.' },
  HTTP_STORE_UNAVAILABLE: {
    status: 503,
    meaning:
      'The database was busy (another process held the SQLite write lock) or unreachable while answering an API or token request; nothing was changed. Try again after Retry-After.',
  },
  HTTP_MALFORMED_JSON: { status: 400, meaning: 'The body of a JSON API request (feed ack, rewind) is not valid JSON.' },
  HTTP_BODY_TOO_LARGE: {
    status: 413,
    meaning:
      'The body of an API request is over its limit: 16 kB for the feed, 64 kB for admin retries, `server.bodyLimitBytes` for mapping preview and tests.',
  },
  HTTP_UNSUPPORTED_ENCODING: { status: 415, meaning: 'The Content-Encoding of an API request is not identity, gzip or deflate.' },
  HTTP_UNSUPPORTED_CHARSET: {
    status: 415,
    meaning: 'The Content-Type of an API request declares a charset that is not supported (JSON bodies: utf-8).',
  },
  HTTP_TOO_MANY_PARAMETERS: { status: 413, meaning: 'A form body has more parameters than the route allows.' },
  HTTP_BODY_UNREADABLE: {
    status: 400,
    meaning:
      'An API request body could not be read: the client aborted the upload, the compressed data is corrupt, or the body is not as long as Content-Length says.',
  },
  SERVER_INTERNAL: { status: 500, meaning: 'An unexpected error; it is logged with its stack.' },
  AUTH_JWKS_UNAVAILABLE: {
    status: 503,
    meaning: "The jwt source's JWKS could not be fetched, so no token can be checked now; AppDirect retries later.",
  },
  AUTH_SOURCE_NOT_OAUTH2: {
    status: 400,
    meaning: 'An OAuth2 client or user was asked for a source that is not configured with auth mode oauth2.',
  },
  AUTH_CLIENT_NOT_FOUND: { status: 404, meaning: 'No OAuth2 client with that client_id exists (CLI).' },
  AUTH_BAD_GRANTS: { status: 400, meaning: 'clients add --grants names no grant or one other than client_credentials and password (CLI).' },
  AUTH_USER_NOT_FOUND: { status: 404, meaning: 'No active OAuth2 user with that username exists for the source (CLI).' },
  AUTH_USER_EXISTS: { status: 409, meaning: 'An active OAuth2 user with that username already exists for the source (CLI).' },
  OAUTH_INVALID_REQUEST: {
    status: 400,
    meaning: 'Token endpoint: a parameter is missing, repeated or malformed, or the body is not form-encoded (RFC 6749 invalid_request).',
  },
  OAUTH_INVALID_CLIENT: {
    status: 401,
    meaning: 'Token endpoint: client authentication failed: unknown or revoked client, or wrong secret (RFC 6749 invalid_client).',
  },
  OAUTH_INVALID_GRANT: {
    status: 400,
    meaning: 'Token endpoint: wrong username or password, or the user is revoked (RFC 6749 invalid_grant).',
  },
  OAUTH_UNAUTHORIZED_CLIENT: {
    status: 400,
    meaning:
      "Token endpoint: the client's source is no longer configured with auth mode oauth2, or the client is not allowed this grant type (`clients add --grants`) (RFC 6749 unauthorized_client).",
  },
  OAUTH_UNSUPPORTED_GRANT_TYPE: {
    status: 400,
    meaning: 'Token endpoint: grant_type is neither password nor client_credentials (RFC 6749 unsupported_grant_type).',
  },
  OAUTH_INVALID_SCOPE: { status: 400, meaning: 'Token endpoint: the requested scope is not "webhooks" (RFC 6749 invalid_scope).' },
  MAPPING_REQUIRED_FIELD_MISSING: {
    status: 422,
    meaning: 'A required field of a mapping got no value from its source path or expression, and has no default.',
  },
  MAPPING_WRONG_TYPE: {
    status: 422,
    meaning: 'A delivery value cannot be read as the type its mapping field declares (e.g. a decimal that is not a decimal string).',
  },
  MAPPING_UNKNOWN_ENUM_VALUE: {
    status: 422,
    meaning: 'An enum field got a value its mapping does not list, and the mapping does not pass unknown values through.',
  },
  MAPPING_EXPRESSION_FAILED: { status: 422, meaning: 'A JSONata expression of a mapping field threw while evaluating a delivery.' },
  MAPPING_KEY_MISSING: { status: 422, meaning: 'The record key path of a mapping (default resource.uuid) holds no string or number.' },
  MAPPING_CONTENT_ABSENT: { status: 422, meaning: 'The delivery has no resource.content (usual for REMOVED); only its key can be read.' },
  MAPPING_NOT_FOUND: { status: 422, meaning: "No mapping file handles the delivery's resource.type." },
  MAPPING_INVALID_FILE: {
    status: 500,
    meaning: 'A mapping file is not valid YAML or breaks the mapping schema; the message names file and line.',
  },
  INBOX_CONFLICT: {
    status: 200,
    meaning:
      'Not an error answer: a re-send of a stored delivery uuid with a different body. It is answered 200 and kept in inbox_conflicts, and logged as a warn line with this code for a person to decide.',
  },
  WORKER_PAYLOAD_UNREADABLE: {
    status: 422,
    meaning: 'The stored body of an inbox event is not JSON (its payload was purged by retention, or the row was altered).',
  },
  WORKER_PAYLOAD_TOO_DEEP: {
    status: 422,
    meaning:
      "The event's delivery (or what its mapping made of it) nests objects or arrays deeper than the service walks (1,000 levels); that event alone is failed.",
  },
  WORKER_MAPPING_ERROR: {
    status: 422,
    meaning:
      'Mapping or serializing one event threw an unexpected error (not a mapping issue); that event alone is failed, with the message as detail. Fix the mapping, then `events retry` it.',
  },
  WORKER_UNSTORABLE: {
    status: 422,
    meaning:
      "The database refused one event's mapped data (on PostgreSQL: a NUL character in a key, a key over 255 characters); that event alone is failed, the rest of its batch is applied. Fix the mapping's key or the data, then `events retry` it.",
  },
  WORKER_MAPPING_THREAD: {
    status: 503,
    meaning: 'The mapping thread failed or exited while it mapped a batch; the batch is retried with backoff, on a new thread.',
  },
  WORKER_TRANSIENT: {
    status: 503,
    meaning:
      'A batch failed for a passing reason (database busy, connection lost); its events are retried with backoff, and are dead after worker.maxAttempts.',
  },
  API_CONSUMER_NOT_OWNED: {
    status: 403,
    meaning:
      'The named consumer is bound to another API key (or is a connector:* consumer); only that key or an admin key may read or ack it.',
  },
  API_INSUFFICIENT_SCOPE: {
    status: 403,
    meaning:
      'The API key is valid but lacks the scope this route needs (feed:read, records:read, metrics:read, admin:read, admin:write or admin; admin holds every scope).',
  },
  API_BAD_REQUEST: { status: 400, meaning: 'A query parameter or body field of the downstream API is malformed; the message names it.' },
  API_NOT_FOUND: { status: 404, meaning: 'No record with that entity and key.' },
  CONSOLE_SIGN_IN_FAILED: {
    status: 401,
    meaning: 'The console sign-in got an API key that is unknown, revoked or without admin:read, or a stale sign-in form.',
  },
  CONSOLE_SESSION_REQUIRED: { status: 401, meaning: 'A console request without a live session (never signed in, signed out or expired).' },
  CONSOLE_CSRF_INVALID: {
    status: 403,
    meaning: 'A console mutation without the CSRF token of its session (a stale page, or a request forged by another site).',
  },
  FEED_CURSOR_EXPIRED: {
    status: 410,
    meaning:
      "Retention purged changes after the cursor asked for (or after the consumer's checkpoint): reading on would skip them. The message names the oldest cursor kept; rewind to it (or to a time) on purpose.",
  },
  CLI_INVALID_OPTION: {
    status: 400,
    meaning:
      'A command-line option has a value the command cannot use (a time that is neither ISO 8601 nor relative like 30m, 2h or 7d; an unknown status).',
  },
  EVENT_NOT_FOUND: { status: 404, meaning: 'No inbox event has that id (events show, events retry, mappings preview).' },
  EVENT_PAYLOAD_PURGED: {
    status: 410,
    meaning: 'The event body was purged by retention, so it cannot be previewed or mapped again (mappings preview <id>).',
  },
  EVENT_RETRY_REFUSED: {
    status: 409,
    meaning:
      'events retry was asked for done events: applying them again could only be stale. Use remap to re-project records after a mapping fix.',
  },
  REMAP_UNKNOWN_ENTITY: { status: 404, meaning: 'remap --entity names an entity that no loaded mapping file produces.' },
  JOB_UNKNOWN: { status: 404, meaning: 'jobs run names a job that is not in the schedule list (src/jobs/job-schedule.ts).' },
  JOB_RUNNING: {
    status: 409,
    meaning: 'jobs run asked for a job that another instance is running now (it holds the job lock); run it again when that one is done.',
  },
  FEED_CHANGE_NOT_FOUND: {
    status: 404,
    meaning: 'No change with that cursor is in the feed (never written, or purged by retention): connectors preview --seq.',
  },
  CONNECTOR_NOT_FOUND: { status: 404, meaning: 'No connector with that name is configured under connectors (CLI).' },
  CONNECTOR_DELIVERY_FAILED: {
    status: 502,
    meaning:
      "A connector's downstream kept failing (network error, timeout, 408, 425, 429 or 5xx) through every retry; the checkpoint stays and the next run sends the same changes again.",
  },
  CONNECTOR_REFUSED: {
    status: 502,
    meaning:
      "A connector's downstream refused a change with a 4xx other than 401, 408, 425 and 429; retrying would not help. With onRefused: park (the default) the change is parked (connectors failures list) and the connector goes on; with stop the run stops at that change.",
  },
  CONNECTOR_AUTH_FAILED: {
    status: 502,
    meaning:
      'A connector could not authenticate: its OAuth2 token request failed, or the downstream answered 401 again after a fresh token (or to a static bearer token).',
  },
  CONNECTOR_EXPORT_FAILED: {
    status: 500,
    meaning:
      'A file connector could not write, fsync or rename its files (disk full, permissions); files of the failed run are removed and the checkpoint stays.',
  },
  CONNECTOR_OUTPUT_MAPPING_FAILED: {
    status: 422,
    meaning:
      "A connector's output mapping could not shape a record (a required field missing, a value of the wrong type); the change is parked like a refusal (connectors failures show names the fields).",
  },
  CONNECTOR_ROW_REFUSED: {
    status: 422,
    meaning:
      "A database connector's destination refused one row for good (a value too long or out of range for its column); the change is parked like a refusal.",
  },
  CONNECTOR_DESTINATION_FAILED: {
    status: 502,
    meaning:
      'A database connector could not reach or write its destination database (connection, lock, schema change refused); the checkpoint stays and the next run writes the same changes again.',
  },
  CONNECTOR_RATE_LIMITED: {
    status: 503,
    meaning:
      "A CRM connector's daily API limit is used up (HubSpot 429 with policyName DAILY, Salesforce REQUEST_LIMIT_EXCEEDED); the run stops with its checkpoint kept and the next run after the limit resets goes on.",
  },
  CONNECTOR_BUSY: {
    status: 409,
    meaning:
      'A retry of a parked change was asked for while that connector is running (here, or in another instance); try again when the run is over.',
  },
  CONNECTOR_FAILURE_NOT_FOUND: {
    status: 404,
    meaning: 'No parked change of that connector has that id (connectors failures show, retry or skip; admin API).',
  },
  CONNECTOR_FAILURE_RESOLVED: {
    status: 409,
    meaning: 'The parked change was already retried or skipped; it is kept for the record and cannot be resolved twice.',
  },
  CONNECTOR_FAILURE_SUPERSEDED: {
    status: 409,
    meaning:
      'A later change of the same record was delivered after this one was parked: re-sending it would put an older state back. Skip it, or retry with force when the destination applies changes in cursor order itself.',
  },
  CONNECTOR_RESEND_UNSUPPORTED: {
    status: 400,
    meaning: 'The connector does not park changes (file connectors), so it has none to retry.',
  },
  APPDIRECT_API_NOT_CONFIGURED: {
    status: 400,
    meaning: 'backfill, reconcile or a re-fetch names a source without an appdirectApi section (docs/backfill.md).',
  },
  APPDIRECT_API_UNAVAILABLE: {
    status: 502,
    meaning:
      "The marketplace's REST API kept failing (network error, timeout, 429 or 5xx) through every retry, Retry-After honoured; a backfill stops at its checkpoint and continues from it on the next run.",
  },
  APPDIRECT_API_REFUSED: {
    status: 502,
    meaning:
      'The marketplace answered a 4xx other than 401 and 429 (403: the API client lacks ROLE_PARTNER_READ; 404: no such resource); retrying would not help.',
  },
  APPDIRECT_API_AUTH_FAILED: {
    status: 502,
    meaning:
      "The token request to {baseUrl}/oauth2/token failed, or the API answered 401 again after a fresh token: check the source's clientId and clientSecret.",
  },
  APPDIRECT_API_RESPONSE_TOO_LARGE: {
    status: 502,
    meaning: 'A marketplace response body was larger than appdirectApi.maxResponseBytes; it is not read further.',
  },
  APPDIRECT_API_BAD_RESPONSE: {
    status: 502,
    meaning: 'A marketplace response was not the JSON the endpoint documents (not JSON, or a page without its items array).',
  },
  BACKFILL_UNKNOWN_ENTITY: {
    status: 400,
    meaning:
      'backfill --entity or appdirectApi.reconcile.entities names an entity backfill does not know (company, user, membership, subscription, order, invoice, catalog_product).',
  },
  BACKFILL_RUNNING: {
    status: 409,
    meaning:
      'A backfill of this source is already running, in this process or in another instance on the same database (it holds the job lock backfill:<source>); run it again when that one is done, and it resumes from the checkpoints.',
  },
  REFETCH_URL_REFUSED: {
    status: 422,
    meaning:
      "A delivery without content names a resource.url that is not HTTPS on the source's marketplace host (appdirectApi.baseUrl), or none at all: it is never followed (no SSRF), and the event ends failed.",
  },
  REFETCH_FAILED: {
    status: 502,
    meaning:
      "A delivery without content could not be completed by a GET of its resource.url (network, 401, 404, 429 or 5xx): the event waits and is retried on the worker's schedule, then ends dead after worker.maxAttempts.",
  },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
