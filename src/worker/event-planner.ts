import type { ClaimedEvent } from '../inbox/inbox-queue';
import type { MappingRegistry } from '../mapping';
import { planEvent, type EventPlan } from './plan-event';

/**
 * Turns a claimed batch into plans (mapping included). The worker asks for a batch's plans as soon as it has
 * claimed it, so a planner that works elsewhere (ThreadedPlanner) maps one batch while the worker applies another.
 */
export interface EventPlanner {
  /** Gets ready to plan (starts a thread, say), so the first batch does not wait for it. Never fails. */
  start(): Promise<void>;
  plan(events: ClaimedEvent[]): Promise<EventPlan[]>;
  close(): Promise<void>;
}

/** Plans on the calling thread: for tests, one-off CLI runs, and when the mapping thread is switched off. */
export class InlinePlanner implements EventPlanner {
  constructor(private readonly mappings: MappingRegistry) {}

  async start(): Promise<void> {}

  async plan(events: ClaimedEvent[]): Promise<EventPlan[]> {
    const plans: EventPlan[] = [];
    for (const e of events) plans.push(await planEvent(e, this.mappings));
    return plans;
  }

  async close(): Promise<void> {}
}
