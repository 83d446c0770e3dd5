import { readFileSync } from 'node:fs';

/**
 * The peak resident set size of a running process in MB (VmHWM of /proc/<pid>/status: the kernel's high-water mark,
 * so a short peak between two samples is not missed), or undefined where /proc is not available.
 */
export function peakRssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}
