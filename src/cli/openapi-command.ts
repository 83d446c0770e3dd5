import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { openApiJson } from '../compose/openapi-document';

/**
 * `appdirect-sync openapi [--out <file>]`: the OpenAPI document a running service serves at /openapi.json, without
 * a config or a database. `npm run openapi` writes docs/openapi.json with it.
 */
export function registerOpenapiCommand(program: Command): void {
  program
    .command('openapi')
    .description('print the OpenAPI 3.1 document of the HTTP API (the one served at /openapi.json)')
    .option('--out <file>', 'write it to this file instead of stdout')
    .action((opts: { out?: string }) => {
      const text = openApiJson();
      if (opts.out) writeFileSync(opts.out, text);
      else process.stdout.write(text);
    });
}
