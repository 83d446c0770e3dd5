import { AppError } from '../core/app-error';
import { RESOURCE_ACTIONS, type Envelope, type ResourceAction } from '../domain/envelope';

/**
 * Checks that `body` is an AppDirect webhook envelope and returns its key fields.
 * Unknown extra fields are allowed (the raw body is stored as it came); `resource.content` is optional on
 * every action, since some types send it on REMOVED too.
 *
 * @throws AppError RECEIVER_BAD_ENVELOPE naming the first field that is wrong.
 * @example parseEnvelope({ uuid: 'a1', timestamp: 1487230205455, resourceAction: 'ADDED',
 *   resource: { type: 'ORDER', uuid: 123456789 } }).resourceUuid === '123456789'
 */
export function parseEnvelope(body: unknown): Envelope {
  if (!isObject(body)) throw bad('(body)', 'must be a JSON object');
  const { uuid, timestamp, resource, resourceAction } = body;
  if (typeof uuid !== 'string' || uuid.trim() === '') throw bad('uuid', 'must be a non-empty string');
  checkText('uuid', uuid, ENVELOPE_LIMITS.uuid);
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw bad('timestamp', 'must be epoch milliseconds (a non-negative integer)');
  }
  if (!isObject(resource)) throw bad('resource', 'must be an object');
  if (typeof resource.type !== 'string' || resource.type.trim() === '') throw bad('resource.type', 'must be a non-empty string');
  checkText('resource.type', resource.type, ENVELOPE_LIMITS.resourceType);
  const resourceUuid = idAsString(resource.uuid);
  if (resourceUuid === undefined) throw bad('resource.uuid', 'must be a non-empty string or a number');
  checkText('resource.uuid', resourceUuid, ENVELOPE_LIMITS.resourceUuid);
  if (typeof resourceAction !== 'string' || !(RESOURCE_ACTIONS as readonly string[]).includes(resourceAction)) {
    throw bad('resourceAction', `must be one of ${RESOURCE_ACTIONS.join(', ')}`);
  }
  if ('content' in resource && resource.content !== null && !isObject(resource.content)) {
    throw bad('resource.content', 'must be an object when present');
  }
  return {
    uuid,
    timestamp,
    resourceType: resource.type,
    resourceUuid,
    resourceAction: resourceAction as ResourceAction,
  };
}

/**
 * The longest envelope strings the inbox stores (its varchar columns, docs/errors.md, README). Longer ones are
 * refused here: PostgreSQL would fail the whole group commit on them.
 */
export const ENVELOPE_LIMITS = { uuid: 255, resourceType: 64, resourceUuid: 255 } as const;

/**
 * C0 and C1 control characters (NUL among them) and lone UTF-16 surrogates. PostgreSQL refuses NUL in text
 * (22021), and none of them belongs in an id or a type name.
 */
const UNSTORABLE_CHARACTER = /[\u0000-\u001f\u007f-\u009f]|\p{Cs}/u;

/** A key string of the envelope: at most `max` characters, none of them a control character. */
function checkText(field: string, value: string, max: number): void {
  if (value.length > max) throw bad(field, `must be at most ${max} characters`);
  if (UNSTORABLE_CHARACTER.test(value)) throw bad(field, 'must not contain control characters or lone surrogates');
}

/** AppDirect ids are UUIDs, numbers (orders, products) or external ids: all kept as strings. */
function idAsString(v: unknown): string | undefined {
  if (typeof v === 'string' && v.trim() !== '') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(field: string, problem: string): AppError {
  return new AppError('RECEIVER_BAD_ENVELOPE', `${field} ${problem}`, { field });
}
