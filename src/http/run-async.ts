/**
 * Runs an async route handler and hands what it throws (or rejects with) to express's error handler: express 4
 * does not await handlers, so an unhandled rejection would leave the request hanging.
 *
 * @example router.get('/x', (req, res, next) => runAsync(next, async () => res.json(await load())));
 */
export function runAsync(next: (err?: unknown) => void, body: () => Promise<unknown>): void {
  body().catch(next);
}
