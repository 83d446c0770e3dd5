import { join } from 'node:path';

/**
 * Code for `new Worker(code, { eval: true })` that loads `name` from `dir`. Under tsx (tests, `npm run dev`) the
 * file is TypeScript and the thread registers tsx first; from dist it is plain JavaScript.
 */
export function threadEntry(dir: string, name: string, typescript = __filename.endsWith('.ts')): string {
  const file = join(dir, `${name}${typescript ? '.ts' : '.js'}`);
  return `${typescript ? "require('tsx/cjs');" : ''} require(${JSON.stringify(file)});`;
}
