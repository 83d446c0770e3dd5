import { readFileSync } from 'node:fs';

/**
 * CPU time of this process's main thread so far, in ms (user + system, 10 ms resolution), from
 * /proc/self/task/<pid>/stat; undefined where there is no /proc (not Linux). Unlike wall-clock time it does not move
 * when other processes take the cores, and unlike process.cpuUsage() it leaves out the mapping and snapshot threads:
 * it is the figure for "how much work is left on the thread that commits and applies".
 */
export function mainThreadCpuMs(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14 and stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}
