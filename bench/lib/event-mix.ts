import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const TYPES = ['company', 'invoice', 'lead', 'order', 'subscription'] as const;
type Kind = (typeof TYPES)[number];

export interface EventMixOptions {
  /** Deliveries to produce, duplicates included. */
  count: number;
  /** Distinct records per resource type. */
  keysPerType: number;
  /** Share of deliveries that re-send an earlier event (same content and timestamp, new delivery uuid). */
  duplicateRate: number;
  /** Share of deliveries moved later in the arrival order than their timestamp says. */
  outOfOrderRate: number;
  seed: number;
  /** Folder of the shipped fixtures (mappings/fixtures). */
  fixturesDir: string;
}

/**
 * AppDirect-shaped deliveries of all five mapped types, built from the shipped fixtures, in a seeded arrival
 * order with re-sends and late arrivals: the load of bench:sync and of the worker crash test.
 */
export function eventMix(options: EventMixOptions): Buffer[] {
  const random = seeded(options.seed);
  const templates = loadTemplates(options.fixturesDir);
  const alive = new Map<string, boolean>();
  const events: string[] = [];
  const distinct = Math.round(options.count / (1 + options.duplicateRate));
  for (let i = 0; i < distinct; i++) {
    const kind = TYPES[i % TYPES.length] as Kind;
    const key = `${kind}-${Math.floor(random() * options.keysPerType)}`;
    const action = !alive.get(key) ? 'ADDED' : random() < 0.1 ? 'REMOVED' : 'CHANGED';
    alive.set(key, action !== 'REMOVED');
    events.push(JSON.stringify(delivery(templates, kind, key, action, i)));
  }
  const arrival = [...events];
  for (let i = 0; i < arrival.length; i++) {
    if (random() >= options.outOfOrderRate) continue;
    const j = Math.min(arrival.length - 1, i + 1 + Math.floor(random() * 50));
    [arrival[i], arrival[j]] = [arrival[j] as string, arrival[i] as string];
  }
  const resends = options.count - distinct;
  for (let r = 0; r < resends; r++) {
    const original = JSON.parse(events[Math.floor(random() * events.length)] as string) as { uuid: string };
    original.uuid = `${original.uuid}-resend-${r}`;
    const at = Math.floor(random() * (arrival.length + 1));
    arrival.splice(at, 0, JSON.stringify(original));
  }
  return arrival.map((s) => Buffer.from(s));
}

function delivery(templates: Record<Kind, Record<string, unknown>>, kind: Kind, key: string, action: string, i: number) {
  const template = templates[kind] as { resource: { type: string; url?: string; content: Record<string, unknown> } };
  const resource: Record<string, unknown> = {
    type: template.resource.type,
    uuid: key,
    url: `https://example.byappdirect.com/${kind}/${key}`,
  };
  if (action !== 'REMOVED') resource.content = { ...template.resource.content, id: key, ...variation(kind, i) };
  return { uuid: `evt-${i}`, timestamp: 1_795_000_000_000 + i * 1000, resource, resourceAction: action };
}

/** One mapped field that differs from event to event, so most CHANGED deliveries really change a record. */
function variation(kind: Kind, i: number): Record<string, unknown> {
  switch (kind) {
    case 'company':
      return { name: `Acme ${i}` };
    case 'invoice':
      return { status: ['PAID', 'UNPAID', 'CARRIED'][i % 3] };
    case 'lead':
      return { notes: `call back ${i}` };
    case 'order':
      return { totalPrice: `${i % 997}.5000000000` };
    case 'subscription':
      return { maxUsers: String(1 + (i % 50)) };
  }
}

function loadTemplates(dir: string): Record<Kind, Record<string, unknown>> {
  const out = {} as Record<Kind, Record<string, unknown>>;
  for (const kind of TYPES) out[kind] = JSON.parse(readFileSync(join(dir, kind, 'changed.json'), 'utf8')) as Record<string, unknown>;
  return out;
}

/** mulberry32: a small seeded PRNG, so every run of a bench or test sees the same deliveries. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
