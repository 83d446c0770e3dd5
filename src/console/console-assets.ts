import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RequestHandler } from 'express';
import { AppError } from '../core/app-error';

/** The console's own files (assets/console/ at the package root, beside package.json: the same from src/ and dist/). */
function packageRoot(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) if (existsSync(join(dir, 'package.json'))) return dir;
  throw new Error('package.json not found above the console');
}

/** Every asset the console serves, read once at start: nothing is loaded from another host. */
function loadAssets(): Map<string, { type: string; body: Buffer }> {
  const root = packageRoot();
  return new Map([
    ['htmx.min.js', { type: 'text/javascript', body: readFileSync(require.resolve('htmx.org/dist/htmx.min.js')) }],
    ['console.js', { type: 'text/javascript', body: readFileSync(join(root, 'assets', 'console', 'console.js')) }],
    ['console.css', { type: 'text/css', body: readFileSync(join(root, 'assets', 'console', 'console.css')) }],
  ]);
}

/** GET /console/assets/:name: the files above, cached by the browser for an hour; anything else is a 404. */
export function consoleAssets(): RequestHandler {
  const assets = loadAssets();
  return (req, res, next) => {
    const asset = assets.get(String(req.params.name));
    if (!asset) return next(new AppError('HTTP_NOT_FOUND', 'no such console asset'));
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.type(asset.type).send(asset.body);
  };
}
