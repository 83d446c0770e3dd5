/**
 * Every error code the service can answer with, its HTTP status and what it means.
 * `docs/errors.md` documents each one; a test fails when a code here is missing there.
 */
export const ERROR_CODES = {
  RECEIVER_UNKNOWN_SOURCE: { status: 404, meaning: 'No webhook source with that name is configured.' },
  RECEIVER_MISSING_TOKEN: { status: 401, meaning: 'A token source got no x-appdirect-webhook-token (or legacy AppDirect-Webhook-Token) header.' },
  RECEIVER_BAD_TOKEN: { status: 401, meaning: 'The webhook token matches none of the active tokens of this source.' },
  RECEIVER_MALFORMED_JSON: { status: 400, meaning: 'The request body is not valid JSON.' },
  RECEIVER_BAD_ENVELOPE: { status: 400, meaning: 'The JSON is not an AppDirect webhook envelope; the message names the field.' },
  RECEIVER_BODY_TOO_LARGE: { status: 413, meaning: 'The body is over the configured server.bodyLimitBytes.' },
  RECEIVER_STORE_UNAVAILABLE: { status: 503, meaning: 'The delivery could not be committed; AppDirect retries it later.' },
  AUTH_RATE_LIMITED: { status: 429, meaning: 'Too many failed authentication attempts from this address.' },
  AUTH_INVALID_TOKEN: { status: 401, meaning: 'The bearer token is unknown, expired, revoked or issued for another source.' },
  AUTH_MISSING_TOKEN: { status: 401, meaning: 'An oauth2 or jwt source got no Authorization: Bearer header.' },
  AUTH_BAD_REQUEST: { status: 400, meaning: 'The Authorization header is malformed.' },
  HTTP_NOT_FOUND: { status: 404, meaning: 'No such route.' },
  INTERNAL: { status: 500, meaning: 'An unexpected error; it is logged with its stack.' },
  AUTH_JWKS_UNAVAILABLE: { status: 503, meaning: "The jwt source's JWKS could not be fetched, so no token can be checked now; AppDirect retries later." },
  AUTH_SOURCE_NOT_OAUTH2: { status: 400, meaning: 'An OAuth2 client or user was asked for a source that is not configured with auth mode oauth2.' },
  AUTH_CLIENT_NOT_FOUND: { status: 404, meaning: 'No OAuth2 client with that client_id exists (CLI).' },
  AUTH_USER_NOT_FOUND: { status: 404, meaning: 'No active OAuth2 user with that username exists for the source (CLI).' },
  AUTH_USER_EXISTS: { status: 409, meaning: 'An active OAuth2 user with that username already exists for the source (CLI).' },
  OAUTH_INVALID_REQUEST: { status: 400, meaning: 'Token endpoint: a parameter is missing, repeated or malformed, or the body is not form-encoded (RFC 6749 invalid_request).' },
  OAUTH_INVALID_CLIENT: { status: 401, meaning: 'Token endpoint: client authentication failed: unknown or revoked client, or wrong secret (RFC 6749 invalid_client).' },
  OAUTH_INVALID_GRANT: { status: 400, meaning: 'Token endpoint: wrong username or password, or the user is revoked (RFC 6749 invalid_grant).' },
  OAUTH_UNAUTHORIZED_CLIENT: { status: 400, meaning: "Token endpoint: the client's source is no longer configured with auth mode oauth2 (RFC 6749 unauthorized_client)." },
  OAUTH_UNSUPPORTED_GRANT_TYPE: { status: 400, meaning: 'Token endpoint: grant_type is neither password nor client_credentials (RFC 6749 unsupported_grant_type).' },
  OAUTH_INVALID_SCOPE: { status: 400, meaning: 'Token endpoint: the requested scope is not "webhooks" (RFC 6749 invalid_scope).' },
  MAPPING_REQUIRED_FIELD_MISSING: { status: 422, meaning: 'A required field of a mapping got no value from its source path or expression, and has no default.' },
  MAPPING_WRONG_TYPE: { status: 422, meaning: 'A delivery value cannot be read as the type its mapping field declares (e.g. a decimal that is not a decimal string).' },
  MAPPING_UNKNOWN_ENUM_VALUE: { status: 422, meaning: 'An enum field got a value its mapping does not list, and the mapping does not pass unknown values through.' },
  MAPPING_EXPRESSION_FAILED: { status: 422, meaning: 'A JSONata expression of a mapping field threw while evaluating a delivery.' },
  MAPPING_KEY_MISSING: { status: 422, meaning: 'The record key path of a mapping (default resource.uuid) holds no string or number.' },
  MAPPING_CONTENT_ABSENT: { status: 422, meaning: 'The delivery has no resource.content (usual for REMOVED); only its key can be read.' },
  MAPPING_NOT_FOUND: { status: 422, meaning: 'No mapping file handles the delivery\'s resource.type.' },
  MAPPING_INVALID_FILE: { status: 500, meaning: 'A mapping file is not valid YAML or breaks the mapping schema; the message names file and line.' },
  WORKER_PAYLOAD_UNREADABLE: { status: 422, meaning: 'The stored body of an inbox event is not JSON (its payload was purged by retention, or the row was altered).' },
  WORKER_TRANSIENT: { status: 503, meaning: 'A batch failed for a passing reason (database busy, connection lost); its events are retried with backoff, and are dead after worker.maxAttempts.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
