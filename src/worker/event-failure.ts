import { isAppError } from '../core/app-error';
import { isStackOverflow, MAX_JSON_DEPTH } from '../core/json-bounds';
import type { EventCompletion } from '../inbox/inbox-queue';

/** A thrown error, as the failure of the one event (or record) it was thrown for. */
export interface EventFailure {
  code: string;
  message: string;
  details: Record<string, unknown>;
}

/**
 * Classifies an error thrown while mapping or serializing one event: it belongs to that event, never to its
 * batch, because it would be thrown again on every retry.
 *
 * @remarks Planning touches no database and no network, so nothing it throws is transient. An AppError keeps
 * its code; a stack overflow (a walk the bounds missed, or a JSONata expression recursing over deep content)
 * is WORKER_PAYLOAD_TOO_DEEP; anything else (a bug in a mapping, say) is WORKER_MAPPING_ERROR. The message is
 * cut short so the stored detail stays small whatever the error carried.
 */
export function eventFailure(err: unknown): EventFailure {
  if (isAppError(err)) return { code: err.code, message: short(err.message), details: err.details };
  if (isStackOverflow(err)) {
    return {
      code: 'WORKER_PAYLOAD_TOO_DEEP',
      message: `the delivery is nested too deep to map (the limit is ${MAX_JSON_DEPTH} levels)`,
      details: { maxDepth: MAX_JSON_DEPTH },
    };
  }
  const e = err as { name?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return { code: 'WORKER_MAPPING_ERROR', message: short(`${typeof e?.name === 'string' ? e.name : 'Error'}: ${message}`), details: {} };
}

function short(text: string): string {
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

/**
 * The end of an event whose mapped data the database refused (a NUL or a key too long for PostgreSQL): the driver's
 * code and message, which name no data.
 */
export function unstorableCompletion(eventId: number, err: unknown): EventCompletion {
  const e = err as { code?: unknown; message?: unknown };
  // knex prefixes the driver's message with the statement; the driver's own words are after the last ' - '.
  const reason = short(
    String(e.message ?? err)
      .split(' - ')
      .pop() ?? '',
  );
  const errorDetail = { message: `the database refused this event's data: ${reason}`, dbCode: e.code };
  return { id: eventId, status: 'failed', errorCode: 'WORKER_UNSTORABLE', errorDetail };
}
