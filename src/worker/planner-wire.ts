import type { ClaimedEvent, EventCompletion } from '../inbox/inbox-queue';
import type { MappedEvent } from '../records/apply-event';
import type { RecordRef } from '../records/record-store';

/** What crosses between the worker and its mapping thread (see threaded-planner.ts). */
export interface PlannerThreadData {
  mappingsDir: string;
}

export type PlannerRequest = { kind: 'plan'; id: number; events: ClaimedEvent[] } | { kind: 'reload' };

/** A plan without its event: the worker still holds the events and puts each back by position. */
export type WirePlan = { kind: 'apply'; ref: RecordRef; mapped: MappedEvent } | { kind: 'end'; completion: EventCompletion };

export type PlannerReply = { id: number; plans: WirePlan[] } | { id: number; error: { message: string } };
