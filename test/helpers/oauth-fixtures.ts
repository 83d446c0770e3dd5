import { OauthAdminService } from '../../src/auth/oauth-admin-service';
import type { Clock } from '../../src/core/clock';
import type { TestServer } from './test-runtime';

/** The admin service the CLI uses, on a test server's own stores, with the given clock (real time by default). */
export function adminFor(server: TestServer, clock?: Clock): OauthAdminService {
  const { oauthClients: clients, oauthUsers: users, oauthTokens: tokens } = server.runtime.stores;
  return new OauthAdminService({
    db: server.runtime.db,
    clients,
    users,
    tokens,
    clock: clock ?? { now: () => new Date() },
    sources: server.runtime.config.sources,
  });
}

/** The error body and status simple-oauth2 (through @hapi/wreck) attaches to a refused token request. */
export function tokenError(err: unknown): { status: number; body: Record<string, unknown>; headers: Record<string, unknown> } {
  const e = err as { output?: { statusCode?: number }; data?: { payload?: unknown; headers?: Record<string, unknown> } };
  const payload = e.data?.payload;
  const body = Buffer.isBuffer(payload) ? JSON.parse(payload.toString('utf8')) : (payload as Record<string, unknown>);
  return { status: e.output?.statusCode ?? 0, body, headers: e.data?.headers ?? {} };
}

/** Awaits a promise that must reject, and returns what it rejected with. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection, got a result');
}
