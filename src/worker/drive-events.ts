import type { EventAdminStore } from '../inbox/event-admin-store';
import type { EventStatus } from '../inbox/inbox-queue';
import type { TickResult } from './tick-result';

/** What `driveEvents` needs of a worker: one batch at a time, without its loop. */
export interface Tickable {
  tick(): Promise<TickResult>;
}

/** Where one driven event ended; `accepted` means a retry is scheduled for later (transient error). */
export interface DrivenEvent {
  id: number;
  status: EventStatus;
  errorCode: string | null;
}

/**
 * Runs worker ticks until the given events are no longer waiting, or until nothing due is left to claim, and
 * returns their statuses. For `events retry --now` and `remap`, so an operator sees the outcome at once.
 *
 * @remarks Other due events are processed along the way (a worker claims in id order); that is the same work
 * the worker loop would have done. An event that hit a transient error is due only after its backoff, so the
 * drive stops and reports it as `accepted` instead of waiting.
 */
export async function driveEvents(worker: Tickable, events: EventAdminStore, ids: number[], maxTicks = 100_000): Promise<DrivenEvent[]> {
  const waiting = new Set(ids);
  for (let i = 0; i < maxTicks && waiting.size > 0; i++) {
    const tick = await worker.tick();
    const now = await events.statuses([...waiting]);
    for (const [id, s] of now) if (s.status !== 'accepted') waiting.delete(id);
    if (tick.claimed === 0) break;
  }
  const final = await events.statuses(ids);
  return ids.map((id) => ({ id, status: final.get(id)?.status ?? 'accepted', errorCode: final.get(id)?.errorCode ?? null }));
}
