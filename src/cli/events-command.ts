import type { Command } from 'commander';
import { AppError } from '../core/app-error';
import { systemClock } from '../core/clock';
import type { EventRetryService } from '../admin/event-retry-service';
import type { EventFilter } from '../inbox/event-admin-store';
import { EVENT_STATUSES, type EventStatus } from '../inbox/inbox-queue';
import { driveEvents } from '../worker/drive-events';
import { withCliRuntime, withDatabase } from './cli-runtime';
import { eventAsJson, formatEventDetail, formatEventTable } from './event-format';
import { parseCountOption, parseTimeOption } from './time-option';

interface FilterOptions {
  status?: string;
  source?: string;
  type?: string;
  resource?: string;
  delivery?: string;
  since?: string;
  until?: string;
  limit?: string;
}

/**
 * `appdirect-sync events list|show|retry`: see what happened to each delivery and send failed ones back to the
 * worker once their cause is fixed. See docs/operations.md.
 */
export function registerEventsCommand(program: Command): void {
  const events = program.command('events').description('inspect inbox events and re-drive failed ones');

  withFilterOptions(events.command('list').description('list events, newest first'))
    .option('--json', 'one JSON array, for machines')
    .action(async (opts: FilterOptions & { json?: boolean }, command: Command) => {
      await withDatabase(command, async (c) => {
        const filter = { limit: 50, ...filterFrom(opts) };
        const rows = await c.events.list(filter);
        process.stdout.write(opts.json ? `${JSON.stringify(rows.map(eventAsJson), null, 2)}\n` : formatEventTable(rows));
      });
    });

  events
    .command('show <id>')
    .description('print one event: envelope, status, error with its file, field and path, and the body')
    .option('--json', 'as JSON')
    .action(async (id: string, opts: { json?: boolean }, command: Command) => {
      await withDatabase(command, async (c) => {
        const event = await c.events.get(parseCountOption(id, 'id'));
        if (!event) throw new AppError('EVENT_NOT_FOUND', `no event with id ${id}`);
        process.stdout.write(opts.json ? `${JSON.stringify(eventAsJson(event), null, 2)}\n` : formatEventDetail(event));
      });
    });

  withFilterOptions(events.command('retry [ids...]').description('put failed, dead, unmapped or stale events back to the worker'))
    .option('--now', 'also run the worker until they are processed, and print where they ended')
    .action(async (ids: string[], opts: FilterOptions & { now?: boolean }, command: Command) => {
      if (!opts.now) {
        await withDatabase(command, async (c) => (await requeue(c, retryFilter(ids, opts))).code);
        return;
      }
      await withCliRuntime(command, async (runtime) => {
        const { code, requeued } = await requeue(runtime, retryFilter(ids, opts));
        const driven = await driveEvents(runtime.worker, runtime.events, requeued);
        for (const d of driven) process.stdout.write(`${d.id}  ${d.status}${d.errorCode ? `  ${d.errorCode}` : ''}\n`);
        return code;
      });
    });
}

/** Re-queues (the rules are EventRetryService's) and reports; exit code 1 when some asked-for events were refused or do not exist. */
async function requeue(c: { eventRetry: EventRetryService }, filter: EventFilter): Promise<{ code: number; requeued: number[] }> {
  const result = await c.eventRetry.retry(filter);
  process.stdout.write(`re-queued ${result.requeued.length} event(s)\n`);
  let code = 0;
  if (result.refusedDone.length > 0) {
    code = 1;
    process.stderr.write(
      `EVENT_RETRY_REFUSED: ${result.refusedDone.join(', ')} already done; run \`appdirect-sync remap\` to re-project records after a mapping fix\n`,
    );
  }
  if (result.refusedPurged.length > 0) process.stderr.write(`not re-queued, payload purged: ${result.refusedPurged.join(', ')}\n`);
  if (result.alreadyQueued.length > 0) process.stdout.write(`already waiting for the worker: ${result.alreadyQueued.join(', ')}\n`);
  if (result.missing.length > 0) {
    code = 1;
    process.stderr.write(`EVENT_NOT_FOUND: ${result.missing.join(', ')}\n`);
  }
  return { code, requeued: result.requeued };
}

function withFilterOptions(command: Command): Command {
  return command
    .option('--status <status>', `only these statuses, comma-separated (${EVENT_STATUSES.join(', ')})`)
    .option('--source <name>', 'only this source')
    .option('--type <resourceType>', 'only this resource type, any case, e.g. subscription (comma-separated for several)')
    .option('--resource <uuid>', "only the events of this resource (the envelope's resource.uuid)")
    .option('--delivery <uuid>', "only this delivery (the envelope's uuid)")
    .option('--since <time>', 'received at or after: ISO time or a span back from now (30m, 2h, 7d)')
    .option('--until <time>', 'received before: ISO time or a span back from now')
    .option('--limit <n>', 'at most this many events (list: default 50)');
}

function filterFrom(opts: FilterOptions): EventFilter {
  const now = systemClock.now();
  const filter: EventFilter = {};
  if (opts.status) filter.statuses = statusesOf(opts.status);
  if (opts.source) filter.source = opts.source;
  if (opts.type)
    filter.resourceTypes = opts.type
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
  if (opts.resource) filter.resourceUuid = opts.resource;
  if (opts.delivery) filter.deliveryUuid = opts.delivery;
  if (opts.since) filter.since = parseTimeOption(opts.since, now, '--since');
  if (opts.until) filter.until = parseTimeOption(opts.until, now, '--until');
  if (opts.limit) filter.limit = parseCountOption(opts.limit, '--limit');
  return filter;
}

/** Ids, or a status filter (EventRetryService narrows it to re-drivable statuses and refuses `done`). */
function retryFilter(ids: string[], opts: FilterOptions): EventFilter {
  const filter = filterFrom(opts);
  if (ids.length > 0) filter.ids = ids.map((id) => parseCountOption(id, 'id'));
  else if (!filter.statuses) throw new AppError('CLI_INVALID_OPTION', 'give event ids or --status failed|dead|unmapped|stale');
  return filter;
}

function statusesOf(text: string): EventStatus[] {
  const out: EventStatus[] = [];
  for (const s of text
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)) {
    if (!(EVENT_STATUSES as readonly string[]).includes(s)) {
      throw new AppError('CLI_INVALID_OPTION', `--status ${JSON.stringify(s)}: one of ${EVENT_STATUSES.join(', ')}`);
    }
    out.push(s as EventStatus);
  }
  return out;
}
