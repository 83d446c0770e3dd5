import { setFlagsFromString } from 'node:v8';
import type { ResourceLimits } from 'node:worker_threads';

/**
 * How much V8 lets a heap grow past what its last full collection kept, in percent, in a long-running service.
 *
 * @remarks Under load the receiver promotes short-lived garbage into the old generation (about 3 MB per scavenge at
 * 5k deliveries/s), and by default V8 lets the old generation grow to four or five times what survives before it
 * collects: 30–35 MB live became 150 MB of heap and 250–290 MB resident in bench:ingest. A bound of 20–50% held the
 * peak at 136–144 MB (receiver alone, with npm start's young generation); 50 is the loosest of those, so the fewest
 * extra collections (each full one is incremental, a few ms of it on the thread). V8 reads this flag whenever it
 * sets a heap's limit, so setting it at start applies to every isolate of the process. A soft bound: no heap is
 * ever refused memory it needs (docs/adr/0039-service-memory.md).
 */
export const SERVICE_HEAP_GROWING_PERCENT = 50;

/**
 * Sets the service's heap growth bound (SERVICE_HEAP_GROWING_PERCENT); `serve` and `worker` call it first. An
 * operator's own `--heap-growing-percent` on node's command line is left as it is: then it returns false. (Node
 * refuses this V8 flag in NODE_OPTIONS, so the command line is the one place it can come from.)
 */
export function boundHeapGrowth(percent = SERVICE_HEAP_GROWING_PERCENT): boolean {
  if (process.execArgv.some((flag) => /^--heap[-_]growing[-_]percent\b/.test(flag))) return false;
  setFlagsFromString(`--heap-growing-percent=${percent}`);
  return true;
}

/**
 * Heap limits of the service's helper threads. The young generation is what grows under load (16 MB semi-spaces by
 * default, per isolate); a thread that only maps a batch at a time does not need more than a few MB of it.
 * @remarks Only the young generation is bounded for the mapping thread: an old-generation limit would be a hard one
 * (the thread is ended when it is reached), and a batch of large deliveries must map whatever its size.
 */
export const MAPPING_THREAD_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 8 };

/**
 * The sync worker's thread under `serve` (worker.thread): it maps inline and applies batches of at most
 * worker.batchSize events; like the mapping thread it replaces, only its young generation is bounded.
 */
export const WORKER_THREAD_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 8 };

/**
 * The WAL checkpointer thread runs one PRAGMA per interval and holds no data: a hard limit is safe there, and if it
 * were ever reached the thread ends and checkpoints go back to the commits, logged, as for any other failure of it.
 */
export const CHECKPOINT_THREAD_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 };
