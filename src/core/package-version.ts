import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let cached: string | undefined;

/** The version in package.json, found upwards from this file (src/core from source, dist/src/core when built). */
export function packageVersion(): string {
  if (cached !== undefined) return cached;
  cached = 'unknown';
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      cached = (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
      break;
    }
  }
  return cached;
}
