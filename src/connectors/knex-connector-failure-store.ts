import type { Knex } from 'knex';
import { asDate, asNumber } from '../db/column-values';
import type { Change } from '../feed/change-feed';
import type { ConnectorFailure, ConnectorFailureStore, FailureQuery, FailureState, Refusal } from './connector-failure-store';

interface DbFailureRow {
  id: number | string;
  connector: string;
  seq: number | string;
  source: string;
  entity: string;
  record_key: string;
  kind: string;
  change_json: string;
  state: FailureState;
  code: string;
  status: number | null;
  response: string | null;
  message: string;
  attempts: number | string;
  first_failed_at: Date | string;
  last_failed_at: Date | string;
  resolved_at: Date | string | null;
  superseded_by: number | string | null;
}

const TABLE = 'connector_failures';

/** ConnectorFailureStore on knex (both engines). */
export class KnexConnectorFailureStore implements ConnectorFailureStore {
  constructor(private readonly db: Knex) {}

  async park(connector: string, change: Change, refusal: Refusal, at: Date): Promise<ConnectorFailure> {
    const when = at.toISOString();
    const refused = {
      state: 'parked',
      code: refusal.code,
      status: refusal.status ?? null,
      response: refusal.response ?? null,
      message: refusal.message,
      last_failed_at: when,
      resolved_at: null,
      change_json: JSON.stringify(change),
    };
    await this.db(TABLE)
      .insert({
        connector,
        seq: change.seq,
        source: change.source,
        entity: change.entity,
        record_key: change.key,
        kind: change.kind,
        attempts: 1,
        first_failed_at: when,
        ...refused,
      })
      .onConflict(['connector', 'seq'])
      .merge({ ...refused, attempts: this.db.raw('?? + 1', [`${TABLE}.attempts`]) });
    const row = (await this.db<DbFailureRow>(TABLE).where({ connector, seq: change.seq }).first()) as DbFailureRow;
    return toFailure(row);
  }

  async list(query: FailureQuery): Promise<ConnectorFailure[]> {
    let q = this.db<DbFailureRow>(TABLE).orderBy('id').limit(query.limit);
    if (query.connector !== undefined) q = q.where({ connector: query.connector });
    if (query.state !== undefined) q = q.where({ state: query.state });
    if (query.afterId !== undefined) q = q.where('id', '>', query.afterId);
    return ((await q) as DbFailureRow[]).map(toFailure);
  }

  async get(id: number): Promise<ConnectorFailure | undefined> {
    const row = (await this.db<DbFailureRow>(TABLE).where({ id }).first()) as DbFailureRow | undefined;
    return row ? toFailure(row) : undefined;
  }

  async findBySeq(connector: string, seq: number): Promise<ConnectorFailure | undefined> {
    const row = (await this.db<DbFailureRow>(TABLE).where({ connector, seq }).first()) as DbFailureRow | undefined;
    return row ? toFailure(row) : undefined;
  }

  async resolve(id: number, state: Exclude<FailureState, 'parked'>, at: Date): Promise<boolean> {
    return (await this.db(TABLE).where({ id, state: 'parked' }).update({ state, resolved_at: at.toISOString() })) > 0;
  }

  async parkedRecords(connector: string): Promise<Array<{ source: string; entity: string; key: string }>> {
    const rows = (await this.db(TABLE)
      .distinct('source', 'entity', 'record_key')
      .where({ connector, state: 'parked' })
      .whereNull('superseded_by')) as Array<{ source: string; entity: string; record_key: string }>;
    return rows.map((r) => ({ source: r.source, entity: r.entity, key: r.record_key }));
  }

  async supersede(connector: string, record: { source: string; entity: string; key: string }, seq: number): Promise<number> {
    return this.db(TABLE)
      .where({ connector, state: 'parked', source: record.source, entity: record.entity, record_key: record.key })
      .andWhere('seq', '<', seq)
      .update({ superseded_by: seq });
  }

  async countParked(): Promise<Map<string, number>> {
    const rows = (await this.db(TABLE).select('connector').count({ n: '*' }).where({ state: 'parked' }).groupBy('connector')) as Array<{
      connector: string;
      n: number | string;
    }>;
    return new Map(rows.map((r) => [r.connector, asNumber(r.n)]));
  }
}

function toFailure(r: DbFailureRow): ConnectorFailure {
  const change = JSON.parse(r.change_json) as Change & { createdAt: string };
  return {
    id: asNumber(r.id),
    connector: r.connector,
    seq: asNumber(r.seq),
    source: r.source,
    entity: r.entity,
    key: r.record_key,
    kind: r.kind,
    state: r.state,
    code: r.code,
    ...(r.status !== null ? { status: r.status } : {}),
    ...(r.response !== null ? { response: r.response } : {}),
    message: r.message,
    attempts: asNumber(r.attempts),
    firstFailedAt: asDate(r.first_failed_at),
    lastFailedAt: asDate(r.last_failed_at),
    resolvedAt: r.resolved_at === null ? null : asDate(r.resolved_at),
    supersededBy: r.superseded_by === null ? null : asNumber(r.superseded_by),
    change: { ...change, createdAt: new Date(change.createdAt) },
  };
}
