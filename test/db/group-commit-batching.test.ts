import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { execFile } from 'node:child_process';
import { forEachDatabase } from '../helpers/test-databases';
import { delivery, startTestServer, type TestServer } from '../helpers/test-runtime';

const DELIVERIES = 150;

/**
 * Issue 11 item 18: the group commit is seen working. Concurrent deliveries over real sockets (one connection each,
 * from another process) share transactions: fewer commits than deliveries. One transaction per delivery fails this test; in-process
 * clients (one request at a time) never could.
 */
forEachDatabase('group commit batching over real sockets', (ctx) => {
  let server: TestServer;
  const batches: number[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        const entry = JSON.parse(line) as { msg: string; deliveries?: number };
        if (entry.msg === 'inbox batch committed') batches.push(entry.deliveries ?? 0);
      }
      done();
    },
  });

  before(async () => {
    server = await startTestServer(
      { db: ctx.config, sources: { open: { auth: { mode: 'none' } } } },
      undefined,
      pino({ level: 'debug' }, logStream),
    );
  });
  after(async () => {
    await server?.close();
  });
  beforeEach(async () => {
    await ctx.clean();
    batches.length = 0;
  });

  /**
   * Sends every body at once from a child process, one socket each: a sender outside the server's event loop, as
   * AppDirect is, so requests arrive while a commit is under way. Resolves with the status codes.
   */
  function postAllFromAnotherProcess(bodies: string[]): Promise<number[]> {
    const script = `
      const http = require('node:http');
      const bodies = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
      const agent = new http.Agent({ keepAlive: false, maxSockets: bodies.length });
      Promise.all(bodies.map((body) => new Promise((resolve, reject) => {
        const req = http.request(process.argv[1], { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode));
        });
        req.on('error', reject);
        req.end(body);
      }))).then((codes) => process.stdout.write(JSON.stringify(codes)), (err) => { console.error(err); process.exit(1); });`;
    return new Promise((resolve, reject) => {
      const child = execFile(process.execPath, ['-e', script, `${server.url}/webhooks/open`], (err, stdout) => {
        if (err) reject(err);
        else resolve(JSON.parse(stdout) as number[]);
      });
      child.stdin?.end(JSON.stringify(bodies));
    });
  }

  it(`commits ${DELIVERIES} concurrent deliveries in fewer transactions than deliveries`, async function () {
    this.timeout(30_000);
    const answers = await postAllFromAnotherProcess(Array.from({ length: DELIVERIES }, () => JSON.stringify(delivery())));
    assert.deepEqual(new Set(answers), new Set([200]));
    assert.equal(
      batches.reduce((a, b) => a + b, 0),
      DELIVERIES,
      'every delivery was committed in a logged batch',
    );
    assert.ok(batches.length < DELIVERIES, `${batches.length} commits for ${DELIVERIES} deliveries`);
    assert.ok(Math.max(...batches) > 1);
    if (ctx.engine === 'pg') {
      // The database's own word for it: rows inserted by one transaction share its xmin.
      const rows = (await ctx.db.raw('select count(distinct xmin::text) as n from inbox_events')) as { rows: { n: string }[] };
      assert.ok(Number(rows.rows[0]?.n) < DELIVERIES, `${rows.rows[0]?.n} inserting transactions`);
    }
  });

  it('commits durably: SQLite synchronous=FULL in WAL mode, PostgreSQL synchronous_commit on', async () => {
    const db = server.runtime.db;
    if (ctx.engine === 'sqlite') {
      // On the service's own connection, the one the group commit runs its transactions on.
      const sync = (await db.raw('PRAGMA synchronous')) as { synchronous: number }[];
      assert.equal(sync[0]?.synchronous, 2, 'synchronous=FULL (2): each commit fsyncs the WAL');
      const mode = (await db.raw('PRAGMA journal_mode')) as { journal_mode: string }[];
      assert.equal(mode[0]?.journal_mode, 'wal');
    } else {
      const res = (await db.raw('show synchronous_commit')) as { rows: { synchronous_commit: string }[] };
      assert.equal(res.rows[0]?.synchronous_commit, 'on');
    }
  });
});
