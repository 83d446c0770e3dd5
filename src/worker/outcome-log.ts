import type { Logger } from '../core/logger';
import type { ClaimedEvent, EventCompletion } from '../inbox/inbox-queue';
import type { TickResult } from './tick-result';

/** The code an unmapped event is logged with: no mapping handles its resource type (docs/errors.md). */
const UNMAPPED_CODE = 'MAPPING_NOT_FOUND';

/** The fields every event warn line carries, so one grep for an id, a type or a code finds it. */
function eventFields(e: ClaimedEvent, code: string) {
  return { eventId: e.id, source: e.source, resourceType: e.resourceType, resourceUuid: e.resourceUuid, code };
}

/**
 * Logs how one applied batch ended: one warn line per failed, unmapped or dead event (an operator acts on each),
 * and one debug line for the batch with its counts (stale events are counted there, never logged one by one: an
 * out-of-order burst is normal and would flood the log).
 * @remarks Only ids, names and codes are logged, never the payload: a delivery may carry personal data.
 */
export function logBatchOutcomes(log: Logger, events: ClaimedEvent[], completions: EventCompletion[], result: TickResult): void {
  const byId = new Map(events.map((e) => [e.id, e]));
  for (const c of completions) {
    const e = byId.get(c.id);
    if (!e || (c.status !== 'failed' && c.status !== 'unmapped' && c.status !== 'dead')) continue;
    const code = c.status === 'unmapped' ? UNMAPPED_CODE : (c.errorCode ?? 'WORKER_MAPPING_ERROR');
    log.warn({ ...eventFields(e, code), status: c.status }, `event ${c.status}`);
  }
  log.debug({ ...result }, 'worker batch applied');
}

/**
 * Logs a batch given back for a later attempt: one warn line per event that has now had `maxAttempts` (it is dead),
 * and one debug line with the counts.
 */
export function logBatchRetried(log: Logger, events: ClaimedEvent[], code: string, maxAttempts: number): void {
  let dead = 0;
  for (const e of events) {
    if (e.attempts + 1 < maxAttempts) continue;
    dead += 1;
    log.warn({ ...eventFields(e, code), status: 'dead' }, 'event dead');
  }
  log.debug({ retried: events.length - dead, dead }, 'worker batch given back');
}
