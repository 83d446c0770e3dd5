import type { Knex } from 'knex';

/** Who holds the gate: nobody, the serving thread, or the worker's thread. */
const FREE = 0;
const SERVING = 1;
const WORKER = 2;
/** Int32 slots of the shared buffer: the holder, and how many serving-thread acquirers are waiting. */
const HOLDER = 0;
const WAITING = 1;
/** A waiter re-checks at least this often, should a wake-up ever be missed. */
const RECHECK_MS = 50;

/** Atomics.waitAsync (Node.js 16+), which the TypeScript lib of this project (ES2022) does not declare. */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(array: Int32Array, index: number, value: number, timeoutMs: number): { async: boolean; value: Promise<string> | string };
  }
).waitAsync.bind(Atomics);

/** Which side of the gate a connection is on: the thread that serves HTTP, or the worker's thread. */
export type GateSide = 'serving' | 'worker';

/**
 * Takes turns on one SQLite database between the serving thread's connection and the worker thread's connection,
 * as the one shared connection did when the worker ran beside the receiver (docs/adr/0040-worker-thread.md).
 *
 * @remarks Without it the two connections meet at SQLite's lock: the serving thread's busy_timeout then waits with
 * its event loop stopped, and SQLite's busy handler sleeps in coarse steps, so a delivery waited longer than the
 * worker's transaction lasted. Here the serving side waits asynchronously (Atomics.waitAsync) and is woken the
 * moment the worker's transaction ends; the worker's side blocks its own thread (Atomics.wait), and lets a waiting
 * serving side go first, so the intake is never starved (ADR 0032). It orders the two threads of one process only:
 * SQLite's own locking still guards the database against every other process.
 */
export class WriteGate {
  private readonly slots: Int32Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(8)) {
    this.slots = new Int32Array(buffer);
  }

  /** The serving thread's turn; resolves once it holds the gate, never blocking the event loop. */
  async acquireServing(): Promise<void> {
    Atomics.add(this.slots, WAITING, 1);
    try {
      while (Atomics.compareExchange(this.slots, HOLDER, FREE, SERVING) !== FREE) {
        const wait = waitAsync(this.slots, HOLDER, WORKER, RECHECK_MS);
        if (wait.async) await wait.value;
      }
    } finally {
      Atomics.sub(this.slots, WAITING, 1);
      Atomics.notify(this.slots, WAITING);
    }
  }

  /** The worker thread's turn, after every waiting serving-side acquirer: blocks this thread until it holds the gate. */
  acquireWorker(): void {
    for (;;) {
      const waiting = Atomics.load(this.slots, WAITING);
      if (waiting > 0) {
        Atomics.wait(this.slots, WAITING, waiting, RECHECK_MS);
        continue;
      }
      if (Atomics.compareExchange(this.slots, HOLDER, FREE, WORKER) === FREE) return;
      Atomics.wait(this.slots, HOLDER, SERVING, RECHECK_MS);
    }
  }

  /** Gives the gate up (from the side that holds it) and wakes whoever waits. */
  release(): void {
    Atomics.store(this.slots, HOLDER, FREE);
    Atomics.notify(this.slots, HOLDER);
  }

  /** After the worker thread ended: frees the gate if that thread died holding it. */
  releaseWorker(): void {
    if (Atomics.compareExchange(this.slots, HOLDER, WORKER, FREE) === WORKER) Atomics.notify(this.slots, HOLDER);
  }
}

/**
 * Makes every use of `db`'s connection (a query, or a whole transaction) take its side's turn at `gate` after the pool
 * handed it out, and give it back before the connection returns to the pool. For SQLite knex instances of one pool
 * connection (createKnex), which one thread uses at a time.
 */
export function gateConnections(db: Knex, gate: WriteGate, side: GateSide): void {
  const client = db.client as { acquireConnection(): Promise<unknown>; releaseConnection(conn: unknown): Promise<unknown> };
  const acquire = client.acquireConnection.bind(client);
  const release = client.releaseConnection.bind(client);
  client.acquireConnection = async () => {
    const conn = await acquire();
    try {
      if (side === 'serving') await gate.acquireServing();
      else gate.acquireWorker();
    } catch (err) {
      await release(conn);
      throw err;
    }
    return conn;
  };
  client.releaseConnection = async (conn: unknown) => {
    gate.release();
    return release(conn);
  };
}
