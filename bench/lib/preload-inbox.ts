import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { parseEnvelope } from '../../src/receiver/envelope';
import { createInboxStore } from '../../src/inbox/create-inbox-stores';

/** Commits deliveries to the inbox as the receiver would (same store, batches of 500), without HTTP. */
export async function preloadInbox(db: Knex, bodies: Buffer[], source = 'shop'): Promise<void> {
  const store = createInboxStore(db);
  const receivedAt = new Date();
  for (let i = 0; i < bodies.length; i += 500) {
    await store.acceptBatch(
      bodies.slice(i, i + 500).map((body) => ({
        source,
        envelope: parseEnvelope(JSON.parse(body.toString('utf8'))),
        body,
        bodySha256: createHash('sha256').update(body).digest('hex'),
        principal: 'preload',
        receivedAt,
      })),
    );
  }
}
