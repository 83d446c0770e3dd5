import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { WriteGate } from '../../../src/db/write-gate';

const GATE = join(__dirname, '..', '..', '..', 'src', 'db', 'write-gate.ts');

/**
 * A worker-side thread: on each `take` message it takes the gate (blocking), reports the shared value it then reads,
 * and with `hold` writes 1 to it before it gives the gate back.
 */
function workerSide(gate: WriteGate, shared: Int32Array): Worker {
  const code = `require('tsx/cjs');
    const { parentPort, workerData } = require('node:worker_threads');
    const { WriteGate } = require(${JSON.stringify(GATE)});
    const gate = new WriteGate(workerData.gate);
    const shared = new Int32Array(workerData.shared);
    parentPort.on('message', (m) => {
      gate.acquireWorker();
      parentPort.postMessage({ saw: Atomics.load(shared, 0) });
      if (m === 'hold') { Atomics.wait(shared, 1, 0, 200); Atomics.store(shared, 0, 1); }
      gate.release();
    });`;
  return new Worker(code, { eval: true, workerData: { gate: gate.buffer, shared: shared.buffer } });
}

function next(worker: Worker): Promise<{ saw: number }> {
  return new Promise((resolve) => worker.once('message', resolve));
}

describe('WriteGate: the serving and worker threads take turns', function () {
  this.timeout(30_000);
  let worker: Worker | undefined;
  afterEach(async () => {
    await worker?.terminate();
    worker = undefined;
  });

  it('the worker side waits while the serving side holds the gate, and sees what it wrote meanwhile', async () => {
    const gate = new WriteGate();
    const shared = new Int32Array(new SharedArrayBuffer(8));
    worker = workerSide(gate, shared);
    await gate.acquireServing();
    const seen = next(worker);
    worker.postMessage('take');
    // Give the thread time to (wrongly) get in; a gate that let it in would have it report 0.
    await new Promise((r) => setTimeout(r, 100));
    Atomics.store(shared, 0, 1);
    gate.release();
    assert.deepEqual(await seen, { saw: 1 });
  });

  it('the serving side waits (without blocking its event loop) while the worker side holds the gate', async () => {
    const gate = new WriteGate();
    const shared = new Int32Array(new SharedArrayBuffer(8));
    worker = workerSide(gate, shared);
    const seen = next(worker);
    worker.postMessage('hold');
    assert.deepEqual(await seen, { saw: 0 });
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 5);
    await gate.acquireServing();
    clearInterval(timer);
    assert.ok(ticks > 0, 'timers ran while the serving side waited (the worker side held the gate for 200 ms)');
    assert.equal(Atomics.load(shared, 0), 1, 'the worker side had written before it gave the gate back');
    gate.release();
  });

  it('frees a gate a dead worker thread held, and only then', async () => {
    const gate = new WriteGate();
    await gate.acquireServing();
    gate.releaseWorker(); // held by the serving side: left alone
    const shared = new Int32Array(new SharedArrayBuffer(8));
    worker = workerSide(gate, shared);
    const seen = next(worker);
    worker.postMessage('take');
    await new Promise((r) => setTimeout(r, 100));
    Atomics.store(shared, 0, 1);
    gate.release();
    assert.deepEqual(await seen, { saw: 1 });
    // A worker-side holder that died: simulated by taking its value, then freed by releaseWorker().
    const slots = new Int32Array(gate.buffer);
    Atomics.store(slots, 0, 2);
    gate.releaseWorker();
    await gate.acquireServing();
    gate.release();
  });
});
