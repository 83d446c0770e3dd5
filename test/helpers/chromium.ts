import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's Chromium, which `npm test` installs (scripts/ensure-chromium.sh). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Where the browser tests write their screenshots (not committed: .gitignore). */
export const SCREENSHOT_DIR = join(process.cwd(), 'test-output', 'console-screenshots');

/** The flags of the issue: headless, no sandbox (root in a container), nothing that phones home. */
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Launches Chromium headless with a fresh user-data dir, or skips the suite with a warning when it is not
 * installed, except under CI=true, where that fails (the PostgreSQL set-up's rule).
 */
export async function launchChromium(suite: Mocha.Context): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    const message = `${CHROMIUM_PATH} is not installed (apt-get install chromium, or npm test's pretest)`;
    if (process.env.CI === 'true') throw new Error(`${message}: required under CI=true`);
    console.warn(`  ⚠ skipping the browser tests: ${message}`);
    suite.skip();
  }
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const userDataDir = mkdtempSync(join(tmpdir(), 'appdirect-sync-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: FLAGS,
    viewport: { width: 1366, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
