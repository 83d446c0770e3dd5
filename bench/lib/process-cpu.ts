import { readFileSync } from 'node:fs';

/**
 * CPU time a running process has used so far (user + system, all its threads) in milliseconds, from
 * /proc/<pid>/stat; undefined where /proc is not available.
 * @remarks Unlike a throughput, this count does not depend on what else the machine runs at the time: the service's
 * CPU per delivery is the figure to compare two builds by on a shared machine.
 */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces, in parentheses): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK). */
const CLOCK_TICKS_PER_SECOND = 100;
