// Runs the CLI from source for tests: `node --require tsx/cjs test/helpers/cli-entry.ts <args>`.
import { main } from '../../src/cli/main';

main(process.argv);
