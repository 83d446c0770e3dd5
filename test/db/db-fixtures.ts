import { createHash, randomUUID } from 'node:crypto';
import type { NewDelivery } from '../../src/inbox/inbox-store';
import type { ResourceAction } from '../../src/domain/envelope';

/** A delivery as the receiver hands it to the inbox store; `body` defaults to a body unique to the uuid. */
export function newDelivery(
  patch: { uuid?: string; body?: string; source?: string; action?: ResourceAction; receivedAt?: Date } = {},
): NewDelivery {
  const uuid = patch.uuid ?? randomUUID();
  const body = Buffer.from(patch.body ?? JSON.stringify({ uuid, resource: { type: 'SUBSCRIPTION', uuid: 'sub-1' } }));
  return {
    source: patch.source ?? 'appdirect',
    envelope: {
      uuid,
      timestamp: 1_795_000_000_000,
      resourceType: 'SUBSCRIPTION',
      resourceUuid: 'sub-1',
      resourceAction: patch.action ?? 'ADDED',
    },
    body,
    bodySha256: createHash('sha256').update(body).digest('hex'),
    principal: 'token:test',
    receivedAt: patch.receivedAt ?? new Date('2026-11-27T10:00:00.000Z'),
  };
}
