import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CompiledMapping } from '../../../src/mapping';
import { loadMappingFile } from '../../../src/mapping/load-mappings';

/** A temp folder for mapping files; `remove()` in afterEach. */
export function tempMappingsDir(): { dir: string; write(name: string, text: string): string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'appdirect-sync-mappings-'));
  return {
    dir,
    write: (name, text) => {
      const file = join(dir, name);
      writeFileSync(file, text);
      return file;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Compiles mapping YAML text through the real loader; fails the test when it does not load. */
export function compileYaml(text: string): CompiledMapping {
  const tmp = tempMappingsDir();
  try {
    const loaded = loadMappingFile(tmp.write('m.yaml', text));
    if (!loaded.mapping) throw new Error(`mapping did not load: ${JSON.stringify(loaded.problems)}`);
    return loaded.mapping;
  } finally {
    tmp.remove();
  }
}

/** An AppDirect-shaped envelope around `content`. */
export function envelope(content: unknown, patch: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    uuid: 'delivery-1',
    timestamp: 1795000000000,
    resource: {
      type: 'ORDER',
      uuid: 987,
      url: 'https://example.byappdirect.com/api/billing/v1/orders/987',
      ...(content === undefined ? {} : { content }),
    },
    resourceAction: content === undefined ? 'REMOVED' : 'ADDED',
    ...patch,
  };
}
