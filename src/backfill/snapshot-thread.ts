import { parentPort, type MessagePort } from 'node:worker_threads';
import { snapshotPage } from './snapshot-page';
import { packPage, type SnapshotReply, type SnapshotRequest } from './snapshot-wire';

/**
 * The snapshot thread's body (started by ThreadedSnapshotPreparer): parses each listed page it is sent and answers
 * with its deliveries, the bodies moved back in one buffer. It holds no state between pages.
 */
const port = parentPort;
if (!port) throw new Error('snapshot-thread runs only as a worker thread');

port.on('message', ({ id, input }: SnapshotRequest) => {
  let reply: SnapshotReply;
  try {
    const page = packPage(snapshotPage(input));
    (port as MessagePort).postMessage({ id, page } satisfies SnapshotReply, [page.bodies.buffer as ArrayBuffer]);
    return;
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    reply = { id, error: { code: typeof e.code === 'string' ? e.code : undefined, message: String(e.message ?? err) } };
  }
  (port as MessagePort).postMessage(reply);
});
port.postMessage({ kind: 'ready' });
