import type { Change } from '../feed/change-feed';
import type { RunContext, RunResult } from './connector';
import type { ConnectorFeed } from './connector-feed';
import type { RefusalPolicy } from './refusal-policy';

/**
 * The run of a connector that delivers its feed page by page: reports progress from its checkpoint to the head,
 * loads the refusal policy, and acks each page only after `deliverPage` took it (at least once, ADR 0008).
 * `deliverPage` gets the checkpoint before the page and returns how many changes it delivered.
 */
export async function runFeedPages(
  feed: ConnectorFeed,
  refusals: RefusalPolicy,
  pageSize: number,
  ctx: RunContext,
  deliverPage: (changes: Change[], checkpoint: number) => Promise<number>,
): Promise<RunResult> {
  const start = await feed.checkpoint();
  ctx.progress.start(Math.max(0, (await feed.head()) - start));
  await refusals.begin();
  let checkpoint = start;
  let delivered = 0;
  try {
    for await (const page of feed.pages(start, pageSize, ctx.signal)) {
      delivered += await deliverPage(page.changes, checkpoint);
      await feed.ack(page.through);
      checkpoint = page.through;
      ctx.progress.update(checkpoint - start);
    }
  } finally {
    ctx.progress.stop();
  }
  return { delivered, checkpoint };
}
