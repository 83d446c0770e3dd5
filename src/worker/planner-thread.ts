import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import pino from 'pino';
import type { ClaimedEvent } from '../inbox/inbox-queue';
import { FileMappingRegistry } from '../mapping';
import { planEvent } from './plan-event';
import type { PlannerReply, PlannerRequest, PlannerThreadData, WirePlan } from './planner-wire';

/**
 * The mapping thread's body (started by ThreadedPlanner): loads the mapping folder and answers plan requests.
 * It logs nothing itself: the main thread's registry loads the same files and reports every problem; a reload
 * request follows each of its reloads.
 */
const port = parentPort;
if (!port) throw new Error('planner-thread runs only as a worker thread');
const { mappingsDir } = workerData as PlannerThreadData;
const mappings = FileMappingRegistry.open(mappingsDir, pino({ level: 'silent' }));

port.on('message', (request: PlannerRequest) => {
  if (request.kind === 'reload') {
    mappings.reload();
    return;
  }
  void planAll(request.events)
    .then(
      (plans): PlannerReply => ({ id: request.id, plans }),
      (err: unknown): PlannerReply => ({ id: request.id, error: { message: (err as Error).message ?? String(err) } }),
    )
    .then(send);
});
port.postMessage({ kind: 'ready' });

/**
 * Replies; a reply that cannot be cloned (plans carry only strings and small details, so this is a bug) fails its
 * batch instead of killing the thread with every other batch in it.
 */
function send(reply: PlannerReply): void {
  try {
    (port as MessagePort).postMessage(reply);
  } catch (err) {
    (port as MessagePort).postMessage({
      id: reply.id,
      error: { message: `reply could not be sent: ${(err as Error).message ?? String(err)}` },
    } satisfies PlannerReply);
  }
}

async function planAll(events: ClaimedEvent[]): Promise<WirePlan[]> {
  const out: WirePlan[] = [];
  for (const e of events) {
    // Structured clone hands a Buffer over as a plain Uint8Array.
    const body = Buffer.from(e.body.buffer, e.body.byteOffset, e.body.byteLength);
    const plan = await planEvent({ ...e, body }, mappings);
    out.push(plan.kind === 'apply' ? { kind: 'apply', ref: plan.ref, mapped: plan.mapped } : { kind: 'end', completion: plan.completion });
  }
  return out;
}
