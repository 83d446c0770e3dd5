import assert from 'node:assert/strict';
import { forEachDatabase } from '../helpers/test-databases';
import { engineHarness, type EngineHarness } from '../helpers/worker-harness';
import type { Knex } from '../../src/db/create-knex';

/** Widgets keyed by a content field, as an integrator may configure: then the delivery chooses the key. */
const KEYED_BY_CONTENT = `resourceType: WIDGET
entity: widget
key: resource.content.code
fields:
  name: { type: string, from: resource.content.name, required: true }
  size: { type: enum, from: resource.content.size, values: [S, M, L] }
`;

function body(uuid: string, code: string, name: string, size = 'M'): Buffer {
  return Buffer.from(
    JSON.stringify({
      uuid,
      timestamp: 1,
      resourceAction: 'ADDED',
      resource: { type: 'WIDGET', uuid: `r-${uuid}`, content: { code, name, size } },
    }),
  );
}

interface Row {
  delivery_uuid: string;
  status: string;
  attempts: number | string;
  error_code: string | null;
}
const rows = async (db: Knex): Promise<Row[]> =>
  (await db('inbox_events').select('delivery_uuid', 'status', 'attempts', 'error_code').orderBy('id')) as Row[];

// Issue 11: a batch is never held hostage. PostgreSQL refuses a NUL in text and a key over varchar(255); before the
// worker isolated such refusals, every event of the batch was retried until dead.
forEachDatabase('an event whose data the database refuses', (ctx) => {
  let h: EngineHarness;
  beforeEach(async () => {
    await ctx.clean();
    h = await engineHarness({ batchSize: 50, maxAttempts: 8 }, ctx.db, { 'widget.yaml': KEYED_BY_CONTENT });
  });
  afterEach(() => h.close());

  it('fails alone (a NUL in its key, a key over 255 characters); the rest of the batch applies at once', async () => {
    const bodies = Array.from({ length: 30 }, (_, i) => body(`g${i}`, `c${i}`, `n${i}`));
    bodies[5] = body('bad-nul-key', 'c\u0000x', 'nul');
    bodies[12] = body('bad-long-key', 'k'.repeat(300), 'long');
    bodies[20] = body('nul-in-enum', 'c20', 'enum', 'X\u0000L');
    await h.acceptRaw(bodies);
    const totals = await h.newWorker().drain();
    assert.equal(totals.retried, 0, 'no batch given back');
    const all = await rows(ctx.db);
    assert.ok(
      all.every((r) => Number(r.attempts) === 0),
      'nothing retried',
    );
    const notDone = all.filter((r) => r.status !== 'done').map((r) => [r.delivery_uuid, r.status, r.error_code]);
    const refused =
      ctx.engine === 'pg'
        ? [
            ['bad-nul-key', 'failed', 'WORKER_UNSTORABLE'],
            ['bad-long-key', 'failed', 'WORKER_UNSTORABLE'],
          ]
        : [];
    const expected = [...refused, ['nul-in-enum', 'failed', 'MAPPING_UNKNOWN_ENUM_VALUE']];
    assert.deepEqual(
      notDone.sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      expected.sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    const records = await ctx.db('records').where({ entity: 'widget' }).count<{ n: number | string }[]>({ n: '*' });
    assert.equal(Number(records[0]?.n), 30 - expected.length);
    const changes = await ctx.db('changes').count<{ n: number | string }[]>({ n: '*' });
    assert.equal(Number(changes[0]?.n), 30 - expected.length, 'each applied event appended its change once');
  });
});
