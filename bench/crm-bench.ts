import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import pino from 'pino';
import { Container } from '../src/compose/container';
import { configSchema } from '../src/config/config-schema';
import { consumerNameOf } from '../src/connectors/connector';
import { systemClock } from '../src/core/clock';
import { createKnex } from '../src/db/create-knex';
import { migrateLatest } from '../src/db/migration-source';
import { createInboxQueue } from '../src/inbox/create-inbox-stores';
import { FileMappingRegistry } from '../src/mapping';
import { createRecordStore } from '../src/records/create-record-stores';
import { SyncWorker } from '../src/worker/sync-worker';
import { argValue } from './lib/bench-args';
import { companyUuid, crmDeliveries, userUuid } from './lib/crm-deliveries';
import { startHubspotContractServer, type HubspotContractServer } from './lib/hubspot-contract-server';
import { feedOnly, salesforceFloor, salesforcePrebuilt, salesforceViaConnector, startBenchSalesforce } from './lib/crm-salesforce-bench';
import { preloadInbox } from './lib/preload-inbox';
import { timed, type TimedRun } from './lib/timed-run';

/**
 * bench:crm — each CRM connector (HubSpot, Salesforce) delivering a feed of companies, users and memberships into
 * its local contract server, against the floor: the same server handling the same upserts (and, for HubSpot,
 * associations) as pre-built batch requests (JSON built beforehand, sent one after another with fetch), in the same
 * run. Rounds alternate, each on an empty server; medians. Counts feed changes per second for both. Prints figures,
 * then one JSON line {"bench":"crm","destination":…} per connector. Target: ratio ≥ 0.5.
 * Usage: npm run bench:crm [-- --companies 500 --users 4 --rounds 3 --only hubspot|salesforce]
 */
const companies = Number(argValue('--companies') ?? 500);
const users = Number(argValue('--users') ?? 4);
const rounds = Number(argValue('--rounds') ?? 3);
const only = argValue('--only');
const TOKEN = 'pat-bench-token';
/** The repository: one folder up from bench/ under tsx, two from dist/bench/ after the build. */
const ROOT = __dirname.includes(`${sep}dist${sep}`) ? join(__dirname, '..', '..') : join(__dirname, '..');
const changes = companies * (1 + 2 * users);

async function viaConnector(dbFile: string, hub: HubspotContractServer): Promise<TimedRun> {
  const config = configSchema.parse({
    environment: 'test',
    db: { client: 'sqlite', filename: dbFile },
    mappings: { dir: join(ROOT, 'mappings') },
    connectors: {
      hub: { type: 'hubspot', accessToken: TOKEN, basePath: hub.url, outputMappings: join(ROOT, 'mappings', 'out', 'hubspot') },
    },
  });
  const db = createKnex({ client: 'sqlite', filename: dbFile, pool: { max: 1 } });
  const c = new Container(config, { db, logger: pino({ level: 'warn' }) });
  try {
    await c.feed.rewind(consumerNameOf('hub'), { cursor: 0 });
    let outcome: Awaited<ReturnType<typeof c.connectors.run>> | undefined;
    const run = await timed(changes, async () => {
      outcome = await c.connectors.run('hub');
    });
    if (outcome?.status !== 'ok') throw new Error(`connector run failed: ${JSON.stringify(outcome?.error)}`);
    if (hub.objects.contacts.size !== companies * users) throw new Error('not every contact arrived');
    return run;
  } finally {
    await c.close();
    await db.destroy();
  }
}

/** The floor: the same objects as pre-built batches of 100 (companies, contacts, company reads, associations). */
function prebuilt(): Array<{ path: string; body: string }> {
  const out: Array<{ path: string; body: string }> = [];
  const batches = <T>(items: T[]) => Array.from({ length: Math.ceil(items.length / 100) }, (_, i) => items.slice(i * 100, i * 100 + 100));
  const companyInputs = Array.from({ length: companies }, (_, i) => ({
    idProperty: 'appdirect_id',
    id: companyUuid(i + 1),
    // What mappings/out/hubspot/company.yaml makes of the fixture's company: the same request bodies as the connector's.
    properties: {
      appdirect_id: companyUuid(i + 1),
      name: `Company ${i + 1}`,
      phone: '+1 514 555 0100',
      city: 'Montreal',
      state: 'QC',
      zip: 'H2X 1Y4',
      country: 'CA',
    },
  }));
  const contactInputs = [];
  const companyOf = new Map<string, string>();
  for (let c = 1; c <= companies; c++) {
    for (let u = 1; u <= users; u++) {
      const email = `user-${c}-${u}@example.test`;
      companyOf.set(userUuid(c, u), companyUuid(c));
      contactInputs.push({
        idProperty: 'appdirect_id',
        id: userUuid(c, u),
        properties: { appdirect_id: userUuid(c, u), email, firstname: `First${u}`, lastname: `Last${c}` },
      });
    }
  }
  for (const b of batches(companyInputs)) out.push({ path: '/crm/v3/objects/companies/batch/upsert', body: JSON.stringify({ inputs: b }) });
  for (const b of batches(contactInputs)) {
    out.push({ path: '/crm/v3/objects/contacts/batch/upsert', body: JSON.stringify({ inputs: b }) });
    const companyIds = [...new Set(b.map((i) => companyOf.get(i.id) as string))];
    out.push({
      path: '/crm/v3/objects/companies/batch/read',
      body: JSON.stringify({ idProperty: 'appdirect_id', inputs: companyIds.map((id) => ({ id })), properties: ['appdirect_id'] }),
    });
  }
  return out;
}

async function floor(hub: HubspotContractServer, requests: Array<{ path: string; body: string }>): Promise<TimedRun> {
  const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
  let associations = 0;
  return timed(changes, async () => {
    for (const r of requests) {
      const res = await fetch(`${hub.url}${r.path}`, { method: 'POST', headers, body: r.body });
      const answer = (await res.json()) as { results: Array<{ id: string }> };
      if (r.path.endsWith('/batch/read')) {
        // The association batch, as the connector makes it: each contact of the previous upsert to its company.
        const contacts = [...hub.objects.contacts.values()].slice(associations, associations + 100);
        associations += contacts.length;
        const to = answer.results[0]?.id ?? '0';
        const body = JSON.stringify({ inputs: contacts.map((c) => ({ from: { id: c.id }, to: { id: to } })) });
        await (
          await fetch(`${hub.url}/crm/v4/associations/contacts/companies/batch/associate/default`, { method: 'POST', headers, body })
        ).json();
      }
    }
  });
}

/**
 * Alternating rounds of floor and connector for one destination; prints the rounds, the medians and one JSON line.
 * Besides changes/s it counts the process's CPU time over the same timed section (the contract server runs in this process, so both
 * sides include its work): on a shared machine CPU time moves less than wall time.
 */
async function measure(
  destination: string,
  round: (which: 'floor' | 'connector') => Promise<TimedRun>,
  reference?: () => Promise<TimedRun>,
): Promise<void> {
  const rates = { floor: [] as number[], connector: [] as number[] };
  const cpu = { floor: [] as number[], connector: [] as number[] };
  const feedOnlyCpu: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const which of r % 2 === 0 ? (['floor', 'connector'] as const) : (['connector', 'floor'] as const)) {
      const run = await round(which);
      rates[which].push(run.rate);
      cpu[which].push(run.cpuMs);
    }
    if (reference) feedOnlyCpu.push((await reference()).cpuMs);
    const ratio = (rates.connector[r] as number) / (rates.floor[r] as number);
    process.stderr.write(
      `${destination} round ${r + 1}: floor ${Math.round(rates.floor[r] as number)}/s (${Math.round(cpu.floor[r] as number)} ms CPU), connector ${Math.round(rates.connector[r] as number)}/s (${Math.round(cpu.connector[r] as number)} ms CPU), ratio ${ratio.toFixed(2)}\n`,
    );
  }
  const f = median(rates.floor);
  const c = median(rates.connector);
  const cpuRatio = median(cpu.floor) / median(cpu.connector);
  process.stdout.write(
    `${destination}: floor ${Math.round(f)} changes/s, connector ${Math.round(c)} changes/s, ratio ${(c / f).toFixed(2)}, CPU ratio ${cpuRatio.toFixed(2)}\n`,
  );
  const ratios = rates.connector.map((x, i) => Number((x / (rates.floor[i] as number)).toFixed(2)));
  const line = {
    bench: 'crm',
    destination,
    changes,
    floor: Math.round(f),
    connector: Math.round(c),
    ratio: Number((c / f).toFixed(2)),
    rounds: ratios,
    floorCpuMs: Math.round(median(cpu.floor)),
    connectorCpuMs: Math.round(median(cpu.connector)),
    cpuRatio: Number(cpuRatio.toFixed(2)),
    // The feed read and acks alone, and the best CPU ratio they leave any connector.
    ...(feedOnlyCpu.length > 0
      ? {
          feedOnlyCpuMs: Math.round(median(feedOnlyCpu)),
          bestCpuRatio: Number((median(cpu.floor) / (median(cpu.floor) + median(feedOnlyCpu))).toFixed(2)),
        }
      : {}),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-crm-'));
  const dbFile = join(dir, 'source.db');
  try {
    process.stderr.write(
      `bench:crm ${companies} companies × ${users} users (${changes} changes), ${rounds} rounds, ${cpus().length} cores (${cpus()[0]?.model})\n`,
    );
    const db = createKnex({ client: 'sqlite', filename: dbFile, pool: { max: 1 } });
    await migrateLatest(db);
    await preloadInbox(db, crmDeliveries(companies, users));
    const mappings = FileMappingRegistry.open(join(ROOT, 'mappings'), pino({ level: 'warn' }));
    const worker = new SyncWorker(db, createInboxQueue(db), createRecordStore(db), mappings, systemClock, pino({ level: 'warn' }), {
      batchSize: 500,
      leaseMs: 60_000,
      maxAttempts: 3,
      backoffBaseMs: 10,
      backoffMaxMs: 100,
      idleDelayMs: 10,
    });
    while ((await worker.tick()).claimed > 0);
    mappings.close();
    await db.destroy();
    if (only !== 'salesforce') {
      const requests = prebuilt();
      await measure('hubspot', async (which) => {
        const hub = await startHubspotContractServer({ token: TOKEN, idProperty: 'appdirect_id' });
        try {
          return which === 'floor' ? await floor(hub, requests) : await viaConnector(dbFile, hub);
        } finally {
          await hub.close();
        }
      });
    }
    if (only !== 'hubspot') {
      const requests = salesforcePrebuilt(companies, users);
      await measure(
        'salesforce',
        async (which) => {
          const sf = await startBenchSalesforce();
          try {
            if (which === 'floor') return await salesforceFloor(sf, requests, changes);
            return await salesforceViaConnector(ROOT, dbFile, sf, { changes, contacts: companies * users });
          } finally {
            await sf.close();
          }
        },
        () => feedOnly(ROOT, dbFile, changes),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
