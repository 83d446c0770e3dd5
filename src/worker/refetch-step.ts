import type { Logger } from '../core/logger';
import { withTransaction } from '../db/transaction';
import type { Knex } from 'knex';
import type { ClaimedEvent, InboxQueue } from '../inbox/inbox-queue';
import type { EventPlanner } from './event-planner';
import { logBatchRetried } from './outcome-log';
import type { EventPlan } from './plan-event';
import type { ContentCompleter } from './resource-refetcher';

/** What the re-fetch step takes from the worker. */
export interface RefetchStepDeps {
  db: Knex;
  queue: InboxQueue;
  planner: EventPlanner;
  log: Logger;
  maxAttempts: number;
  backoff: (attempt: number) => number;
  now: () => Date;
}

/**
 * The worker's step before mapping when re-fetch is on: completes what lacks content (ResourceRefetcher), gives back
 * what could not be fetched (REFETCH_FAILED, on the worker's backoff schedule, in one transaction: their lease ticket
 * is cleared, so the batch can no longer complete them), then maps the rest; refused URLs end as planned failures.
 */
export async function completeThenPlan(
  deps: RefetchStepDeps,
  events: ClaimedEvent[],
  completer: ContentCompleter,
): Promise<{ plans: EventPlan[]; givenBack: number }> {
  const { ready, ended, retry } = await completer.complete(events);
  if (retry.length > 0) {
    await withTransaction(deps.db, async (trx) => {
      for (const { event, error } of retry) await deps.queue.retryLater(trx, [event], error, deps.maxAttempts, deps.backoff, deps.now());
    });
    logBatchRetried(
      deps.log,
      retry.map((r) => r.event),
      'REFETCH_FAILED',
      deps.maxAttempts,
    );
  }
  const plans = ready.length > 0 ? await deps.planner.plan(ready) : [];
  const byId = new Map(events.map((e) => [e.id, e]));
  const failed = ended.map((completion): EventPlan => ({ kind: 'end', event: byId.get(completion.id) as ClaimedEvent, completion }));
  return { plans: [...plans, ...failed], givenBack: retry.length };
}
