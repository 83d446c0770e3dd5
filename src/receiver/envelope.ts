import { AppError } from '../core/app-error';

export const RESOURCE_ACTIONS = ['ADDED', 'CHANGED', 'REMOVED'] as const;
export type ResourceAction = (typeof RESOURCE_ACTIONS)[number];

/** The fields of an AppDirect webhook envelope the service relies on; ids always as strings. */
export interface Envelope {
  uuid: string;
  timestamp: number;
  resourceType: string;
  resourceUuid: string;
  resourceAction: ResourceAction;
}

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
  if (uuid.length > 255) throw bad('uuid', 'must be at most 255 characters');
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw bad('timestamp', 'must be epoch milliseconds (a non-negative integer)');
  }
  if (!isObject(resource)) throw bad('resource', 'must be an object');
  if (typeof resource.type !== 'string' || resource.type.trim() === '') throw bad('resource.type', 'must be a non-empty string');
  if (resource.type.length > 64) throw bad('resource.type', 'must be at most 64 characters');
  const resourceUuid = idAsString(resource.uuid);
  if (resourceUuid === undefined) throw bad('resource.uuid', 'must be a non-empty string or a number');
  if (resourceUuid.length > 255) throw bad('resource.uuid', 'must be at most 255 characters');
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
