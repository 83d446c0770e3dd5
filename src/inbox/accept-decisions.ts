import type { AcceptOutcome, NewDelivery } from './inbox-store';

/** A row of inbox_events as the intake writes it. */
export interface InboxInsert {
  source: string;
  delivery_uuid: string;
  resource_type: string;
  resource_uuid: string;
  resource_action: string;
  event_timestamp: number;
  body_sha256: string;
  envelope: string;
  principal: string;
  status: string;
  received_at: string;
}

/** A same-uuid, different-body delivery, kept aside in inbox_conflicts. */
export interface ConflictInsert {
  inbox_event_id: number;
  source: string;
  delivery_uuid: string;
  body: Buffer;
  body_sha256: string;
  principal: string;
  received_at: string;
}

/** The inbox row of each delivery. */
export function inboxRows(deliveries: NewDelivery[]): InboxInsert[] {
  return deliveries.map((d) => ({
    source: d.source,
    delivery_uuid: d.envelope.uuid,
    resource_type: d.envelope.resourceType,
    resource_uuid: d.envelope.resourceUuid,
    resource_action: d.envelope.resourceAction,
    event_timestamp: d.envelope.timestamp,
    body_sha256: d.bodySha256,
    envelope: JSON.stringify(d.envelope),
    principal: d.principal,
    status: 'accepted',
    received_at: d.receivedAt.toISOString(),
  }));
}

/** The dedupe key of a delivery: its source and envelope uuid. */
export function deliveryKey(source: string, uuid: string): string {
  return `${source}\u0000${uuid}`;
}

/**
 * What became of each delivery, given which ones the INSERT … ON CONFLICT DO NOTHING took (`inserted`) and the
 * rows that already existed (`existing`, id and body hash by key).
 * @remarks A uuid repeated inside the batch was inserted once (its first occurrence); later ones are duplicates
 * or conflicts of it, exactly as if they had arrived in a later batch.
 */
export function decideOutcomes(
  deliveries: NewDelivery[],
  inserted: ReadonlyMap<string, number>,
  existing: Map<string, { id: number; sha: string }>,
): { outcomes: AcceptOutcome[]; conflicts: ConflictInsert[] } {
  const firstSeen = new Set<string>();
  const outcomes: AcceptOutcome[] = [];
  const conflicts: ConflictInsert[] = [];
  for (const d of deliveries) {
    const key = deliveryKey(d.source, d.envelope.uuid);
    const newId = inserted.get(key);
    if (newId !== undefined && !firstSeen.has(key)) {
      firstSeen.add(key);
      existing.set(key, { id: newId, sha: d.bodySha256 });
      outcomes.push({ status: 'accepted', id: newId });
      continue;
    }
    const prior = existing.get(key);
    if (!prior) throw new Error('inbox row vanished inside its own transaction');
    if (prior.sha === d.bodySha256) {
      outcomes.push({ status: 'duplicate', id: prior.id });
      continue;
    }
    conflicts.push({
      inbox_event_id: prior.id,
      source: d.source,
      delivery_uuid: d.envelope.uuid,
      body: d.body,
      body_sha256: d.bodySha256,
      principal: d.principal,
      received_at: d.receivedAt.toISOString(),
    });
    outcomes.push({ status: 'conflict', id: prior.id });
  }
  return { outcomes, conflicts };
}
