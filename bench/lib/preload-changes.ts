import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadMappingsSync } from '../../src/mapping';
import { canonicalJson } from '../../src/records/canonical-json';

const TYPES = ['company', 'invoice', 'lead', 'order', 'subscription'] as const;
const KINDS = ['created', 'updated', 'updated', 'updated', 'deleted'] as const;

/** One entity's normalized data, as the worker would store it: the shipped mapping applied to a shipped fixture. */
interface Template {
  entity: string;
  data: Record<string, unknown>;
  mappingVersion: string;
}

/** The mapped data of every added/changed fixture of the five entities (about 330 to 920 bytes each). */
export async function changeTemplates(root: string): Promise<Template[]> {
  const { mappings, problems } = loadMappingsSync(join(root, 'mappings'));
  if (problems.length > 0) throw new Error(`mappings do not load: ${JSON.stringify(problems)}`);
  const out: Template[] = [];
  for (const type of TYPES) {
    for (const action of ['added', 'changed']) {
      const delivery = JSON.parse(readFileSync(join(root, 'mappings', 'fixtures', type, `${action}.json`), 'utf8')) as {
        resource: { type: string };
      };
      const mapping = mappings.find((m) => m.resourceTypes.includes(delivery.resource.type));
      const mapped = await mapping?.map(delivery);
      if (!mapping || !mapped?.ok) throw new Error(`fixture ${type}/${action} does not map`);
      out.push({ entity: mapping.entity, data: mapped.data, mappingVersion: mapping.version });
    }
  }
  return out;
}

/**
 * Appends `count` changes straight into the `changes` table of a migrated SQLite file, in transactions of
 * `batch` rows: the five entities in turn, each row's data a fixture's mapped data with its own id, stored as
 * canonical JSON like the worker stores it. Returns the mean size of the data text.
 */
export function preloadChanges(filename: string, templates: Template[], count: number, batch = 5000): { avgDataBytes: number } {
  const db = new Database(filename);
  db.pragma('journal_mode = WAL');
  const insert = db.prepare(`insert into changes
    (source, entity, record_key, kind, data, inbox_event_id, event_uuid, event_timestamp, mapping_version, cause, created_at)
    values (?, ?, ?, ?, ?, null, ?, ?, ?, 'event', ?)`);
  const t0 = Date.UTC(2026, 10, 1);
  let bytes = 0;
  try {
    for (let start = 0; start < count; start += batch) {
      db.transaction(() => {
        for (let i = start; i < Math.min(count, start + batch); i++) {
          const template = templates[i % templates.length] as Template;
          const key = `${template.entity}-${Math.floor(i / templates.length) % 20_000}`;
          const data = canonicalJson({ ...template.data, id: key });
          bytes += Buffer.byteLength(data);
          insert.run(
            'shop',
            template.entity,
            key,
            KINDS[i % KINDS.length],
            data,
            `evt-${i}`,
            t0 + i,
            template.mappingVersion,
            new Date(t0 + i).toISOString(),
          );
        }
      })();
    }
  } finally {
    db.close();
  }
  return { avgDataBytes: bytes / count };
}
