import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const HEAP_LIMITS = join(__dirname, '..', '..', '..', 'src', 'core', 'heap-limits.ts');

/**
 * Runs a fresh node (under tsx) that may bound its heap growth first, then allocates the way the receiver does
 * under load (short-lived objects, some of which outlive a scavenge and are promoted) and prints the largest old
 * generation it saw, in MB.
 */
function largestOldSpaceMb(bound: boolean, nodeFlags: string[] = []): { mb: number; set: boolean | null } {
  const script = `
    const v8 = require('node:v8');
    const set = ${bound} ? require(${JSON.stringify(HEAP_LIMITS)}).boundHeapGrowth() : null;
    let largest = 0;
    let kept = [];
    for (let round = 0; round < 150; round++) {
      const batch = [];
      for (let i = 0; i < 20000; i++) batch.push({ text: 'x'.repeat(40) + i, list: [i] });
      kept.push(batch);
      if (kept.length > 3) kept.shift();
      const old = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space');
      largest = Math.max(largest, old.space_size);
    }
    process.stdout.write(JSON.stringify({ mb: largest / 1048576, set }));`;
  const out = execFileSync(process.execPath, [...nodeFlags, '-r', 'tsx/cjs', '-e', script], { encoding: 'utf8' });
  return JSON.parse(out) as { mb: number; set: boolean | null };
}

describe('heap limits of the service (ADR 0039)', function () {
  this.timeout(60_000);

  it('keeps the old generation well below what V8 lets it grow to by default, under the same allocations', () => {
    const unbounded = largestOldSpaceMb(false);
    const bounded = largestOldSpaceMb(true);
    assert.equal(bounded.set, true);
    // About 3 batches (~10 MB) stay alive; by default V8 lets the old generation reach several times that.
    assert.ok(bounded.mb < unbounded.mb * 0.8, `bounded ${bounded.mb.toFixed(0)} MB vs default ${unbounded.mb.toFixed(0)} MB`);
  });

  it("leaves an operator's own --heap-growing-percent as it is", () => {
    assert.equal(largestOldSpaceMb(true, ['--heap-growing-percent=300']).set, false);
  });
});
