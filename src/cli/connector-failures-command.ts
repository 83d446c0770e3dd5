import type { Command } from 'commander';
import type { ConnectorFailure, FailureState } from '../connectors/connector-failure-store';
import { AppError } from '../core/app-error';
import { failureJson } from '../connectors/failure-json';
import { withDatabase } from './cli-runtime';
import { parseCountOption } from './time-option';

const STATES = ['parked', 'retried', 'skipped', 'all'] as const;

/**
 * `appdirect-sync connectors failures list|show|retry|skip <name>`: the changes a connector's destination refused
 * for good (docs/consumers.md, "Parked changes"). Retry and skip run as the connector would, never beside its run.
 */
export function registerConnectorFailuresCommand(connectors: Command): void {
  const failures = connectors.command('failures').description("changes a connector's destination refused for good (parked)");
  const uses = (name: string) => ['db', 'log', 'mappings', `connectors.${name}`];

  failures
    .command('list <name>')
    .description('parked changes of a connector, oldest first')
    .option('--state <state>', `parked (default), retried, skipped or all`, 'parked')
    .option('--limit <n>', 'at most this many', '100')
    .option('--json', 'one JSON array, for machines')
    .action(async (name: string, opts: { state: string; limit: string; json?: boolean }, command: Command) => {
      await withDatabase(
        command,
        async (c) => {
          if (!(STATES as readonly string[]).includes(opts.state)) {
            throw new AppError('CLI_INVALID_OPTION', `--state must be one of ${STATES.join(', ')}`);
          }
          const state = opts.state === 'all' ? undefined : (opts.state as FailureState);
          const rows = await c.connectorFailuresOnDemand.list({ connector: name, state, limit: parseCountOption(opts.limit, 'limit') });
          if (opts.json) process.stdout.write(`${JSON.stringify(rows.map(failureJson), null, 2)}\n`);
          else if (rows.length === 0) process.stdout.write(`no ${opts.state === 'all' ? '' : `${opts.state} `}changes for ${name}\n`);
          else for (const f of rows) process.stdout.write(`${failureLine(f)}\n`);
        },
        uses(name),
      );
    });

  failures
    .command('show <name> <id>')
    .description("one parked change: the destination's status and answer, attempts, times and the change itself")
    .option('--json', 'as JSON')
    .action(async (name: string, id: string, opts: { json?: boolean }, command: Command) => {
      await withDatabase(
        command,
        async (c) => {
          const f = await c.connectorFailuresOnDemand.show(name, parseCountOption(id, 'id'));
          process.stdout.write(opts.json ? `${JSON.stringify(failureJson(f), null, 2)}\n` : failureDetail(f));
        },
        uses(name),
      );
    });

  failures
    .command('retry <name> <ids...>')
    .description('send parked changes again; each that the destination takes is marked retried')
    .option('--force', 'also re-send a change a later state of its record has superseded')
    .action(async (name: string, ids: string[], opts: { force?: boolean }, command: Command) => {
      await withDatabase(
        command,
        async (c) => {
          for (const id of ids) {
            const r = await c.connectorFailuresOnDemand.retry(name, parseCountOption(id, 'id'), { force: opts.force });
            process.stdout.write(`${name} ${id}: retried, taken${r.checkpoint !== undefined ? `; checkpoint ${r.checkpoint}` : ''}\n`);
          }
        },
        uses(name),
      );
    });

  failures
    .command('skip <name> <ids...>')
    .description('drop parked changes: they are never sent (kept for the record as skipped)')
    .action(async (name: string, ids: string[], _opts, command: Command) => {
      await withDatabase(
        command,
        async (c) => {
          for (const id of ids) {
            const r = await c.connectorFailuresOnDemand.skip(name, parseCountOption(id, 'id'));
            process.stdout.write(`${name} ${id}: skipped${r.checkpoint !== undefined ? `; checkpoint ${r.checkpoint}` : ''}\n`);
          }
        },
        uses(name),
      );
    });
}

function failureLine(f: ConnectorFailure): string {
  const superseded = f.supersededBy !== null ? `  superseded by ${f.supersededBy}` : '';
  return `${String(f.id).padStart(6)}  ${f.state.padEnd(7)}  cursor ${String(f.seq).padStart(8)}  ${f.entity} ${f.key}  ${f.status ?? '-'} ${f.code}  ${f.attempts} attempt(s), last ${f.lastFailedAt.toISOString()}${superseded}`;
}

function failureDetail(f: ConnectorFailure): string {
  return [
    `id:          ${f.id}`,
    `connector:   ${f.connector}`,
    `change:      cursor ${f.seq}, ${f.kind} ${f.entity} ${f.key} (source ${f.source})`,
    `state:       ${f.state}${f.resolvedAt ? ` at ${f.resolvedAt.toISOString()}` : ''}`,
    `refused:     ${f.status ?? '-'} ${f.code}: ${f.message}`,
    `attempts:    ${f.attempts}, first ${f.firstFailedAt.toISOString()}, last ${f.lastFailedAt.toISOString()}`,
    ...(f.supersededBy !== null ? [`superseded:  by cursor ${f.supersededBy}, already delivered (retry needs --force)`] : []),
    `answer:`,
    (f.response ?? '(none)').replace(/^/gm, '  '),
    `data:`,
    JSON.stringify(f.change.data, null, 2).replace(/^/gm, '  '),
    '',
  ].join('\n');
}
