/** One side of a round: changes per second and the process's CPU time, both over the same timed section. */
export interface TimedRun {
  rate: number;
  cpuMs: number;
}

/**
 * Times `body` (the work being compared, nothing of its setup): wall clock and process CPU time over the same
 * section, so a side's CPU figure does not include opening a database or loading mappings that its rate leaves out.
 */
export async function timed(changes: number, body: () => Promise<void>): Promise<TimedRun> {
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  await body();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpuBefore);
  return { rate: changes / seconds, cpuMs: (used.user + used.system) / 1000 };
}
