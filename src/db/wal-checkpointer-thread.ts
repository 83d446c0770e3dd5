import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { CheckpointerMessage, CheckpointerThreadData } from './wal-checkpointer';

/**
 * The checkpointer thread's body (started by WalCheckpointer): its own connection to the database file, and a
 * PASSIVE checkpoint every interval. PASSIVE never waits for the writer or for readers; it copies what it can.
 */
const port = parentPort;
if (!port) throw new Error('wal-checkpointer-thread runs only as a worker thread');
const { filename, intervalMs } = workerData as CheckpointerThreadData;
const db = new Database(filename, { fileMustExist: true });
// The copy into the database file is synced as every commit is: FULL syncs the WAL first, the file after.
db.pragma('synchronous = FULL');
port.postMessage({ kind: 'ready' } satisfies CheckpointerMessage);

let lastError = '';
setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    lastError = '';
  } catch (err) {
    // Reported when it starts or changes, not every interval.
    const message = (err as Error).message;
    if (message !== lastError) port.postMessage({ kind: 'error', message } satisfies CheckpointerMessage);
    lastError = message;
  }
}, intervalMs);
