import type { Knex } from 'knex';
import { asNumber } from '../db/column-values';
import type { DbRecordRow } from './record-rows';
import type { ResourceAction } from '../domain/envelope';
import type { Tx } from '../db/transaction';
import type { ChangeKind } from '../domain/change';
import type { ChangeLog, NewChange } from '../feed/change-log';
import { changeOfEvent } from '../feed/change-of-event';
import type { RecordRef } from './record-store';
import type { RemapCandidate, RemapScope, RemapStore, RemapUpdate, RemapWriteResult, StoredChange } from './remap-store';

/** A record joined to the inbox event that produced it. */
interface DbCandidateRow extends Pick<
  DbRecordRow,
  | 'source'
  | 'entity'
  | 'record_key'
  | 'data'
  | 'raw_content'
  | 'event_uuid'
  | 'event_timestamp'
  | 'event_action'
  | 'mapping_version'
  | 'deleted'
> {
  resource_type: string | null;
  resource_uuid: string | null;
  body: Buffer | null;
  payload_purged_at: unknown;
}

/**
 * RemapStore on knex, for both engines: records joined to the inbox event that produced them (unique source + delivery
 * uuid). Changes are appended and read through the feed (ChangeLog, changeOfEvent).
 */
export class KnexRemapStore implements RemapStore {
  constructor(
    private readonly db: Knex,
    private readonly changeLog: ChangeLog,
  ) {}

  async count(scope: RemapScope): Promise<number> {
    const row = (await scoped(this.db('records'), scope).count({ n: '*' }).first()) as { n: number | string } | undefined;
    return row ? asNumber(row.n) : 0;
  }

  async page(scope: RemapScope, after: RecordRef | undefined, limit: number): Promise<RemapCandidate[]> {
    let q = scoped(this.db('records as r'), scope, 'r.')
      .leftJoin('inbox_events as e', function join() {
        this.on('e.source', '=', 'r.source').andOn('e.delivery_uuid', '=', 'r.event_uuid');
      })
      .leftJoin('inbox_payloads as p', 'p.event_id', 'e.id')
      .select('r.*', 'e.resource_type', 'e.resource_uuid', 'p.body', 'e.payload_purged_at')
      .orderBy([{ column: 'r.source' }, { column: 'r.entity' }, { column: 'r.record_key' }])
      .limit(limit);
    if (after) q = q.whereRaw('(r.source, r.entity, r.record_key) > (?, ?, ?)', [after.source, after.entity, after.key]);
    const rows = (await q) as DbCandidateRow[];
    return rows.map((r) => ({
      ref: { source: r.source, entity: r.entity, key: r.record_key },
      data: r.data,
      rawContent: r.raw_content,
      version: { timestamp: asNumber(r.event_timestamp), action: r.event_action as ResourceAction, uuid: r.event_uuid },
      mappingVersion: r.mapping_version,
      deleted: r.deleted === true || r.deleted === 1,
      resourceType: r.resource_type,
      resourceUuid: r.resource_uuid,
      body: r.body && r.body.length > 0 && r.payload_purged_at === null ? r.body : null,
    }));
  }

  async applyRemap(trx: Tx, updates: RemapUpdate[], now: Date): Promise<RemapWriteResult> {
    const result: RemapWriteResult = { changed: 0, versionOnly: 0, raced: 0 };
    if (updates.length === 0) return result;
    const nowIso = now.toISOString();
    // First, before any record row is locked: the worker takes its locks in the same order (records are
    // guarded by advisory locks, then this one, then rows), so the two can never wait on each other in a cycle.
    await this.changeLog.lockAppends(trx);
    const changes: NewChange[] = [];
    for (const u of updates) {
      const set = u.change
        ? { data: u.data, mapping_version: u.mappingVersion, updated_at: nowIso }
        : { mapping_version: u.mappingVersion };
      const n = await trx('records')
        .where({ source: u.ref.source, entity: u.ref.entity, record_key: u.ref.key, event_uuid: u.expectedEventUuid, data: u.expectedData })
        .update(set);
      if (n === 0) {
        result.raced++;
        continue;
      }
      if (!u.change) {
        result.versionOnly++;
        continue;
      }
      changes.push(remapChange(u, u.change));
      result.changed++;
    }
    const seqs = await this.changeLog.append(trx, changes, now);
    // The chain of each record's changes (ADR 0038): the record now points at the change just appended.
    for (const [i, c] of changes.entries()) {
      await trx('records').where({ source: c.source, entity: c.entity, record_key: c.key }).update({ last_change_seq: seqs[i] });
    }
    return result;
  }

  changeOf(inboxEventId: number): Promise<StoredChange | undefined> {
    return changeOfEvent(this.db, inboxEventId);
  }
}

/** The change a remap appends: no inbox event, the record's version unmoved. */
function remapChange(u: RemapUpdate, kind: ChangeKind): NewChange {
  return {
    source: u.ref.source,
    entity: u.ref.entity,
    key: u.ref.key,
    kind,
    data: u.data,
    inboxEventId: null,
    eventUuid: u.version.uuid,
    eventTimestamp: u.version.timestamp,
    mappingVersion: u.mappingVersion,
    cause: 'remap',
  };
}

function scoped(q: Knex.QueryBuilder, scope: RemapScope, prefix = ''): Knex.QueryBuilder {
  if (scope.entity) q = q.where(`${prefix}entity`, scope.entity);
  if (scope.source) q = q.where(`${prefix}source`, scope.source);
  return q;
}
