import type { Tx } from '../db/transaction';
import type { ChangeCause, ChangeKind } from '../domain/change';
import type { DbChangeRow } from './change-rows';

/** A change to append: the record's identity and whole normalized data after it, and what caused it. */
export interface NewChange {
  source: string;
  entity: string;
  key: string;
  kind: ChangeKind;
  /** Canonical JSON text of the record's data. */
  data: string;
  /** The inbox event applied, or null for a remap. */
  inboxEventId: number | null;
  eventUuid: string;
  eventTimestamp: number;
  mappingVersion: string;
  cause: ChangeCause;
}

/**
 * The writing side of the change feed: records and remap append through it, inside their apply transaction, so
 * a change commits with the record state it describes. One implementation per engine (SqliteChangeLog,
 * PgChangeLog), chosen by createChangeLog; the reading side is ChangeFeed.
 * @remarks Gap-free: seqs are allocated and committed in the same order (docs/adr/0007-gap-free-change-feed.md).
 */
export interface ChangeLog {
  /**
   * Serializes change appends until `trx` ends. `append` takes it too; call it first when the transaction will
   * lock other rows before appending, so every writer takes its locks in the same order.
   */
  lockAppends(trx: Tx): Promise<void>;
  /**
   * Appends the changes, in order, inside `trx`, each linked to its record's previous change (`prev_seq`: an earlier
   * change of this call, else the record's `last_change_seq`), and returns their seqs in the same order. The caller
   * then points each record's `last_change_seq` at its newest seq, in the same transaction (docs/adr/0038-change-chain.md).
   */
  append(trx: Tx, changes: NewChange[], now: Date): Promise<number[]>;
}

/**
 * Links the changes of one append to each other: a change's `prev_seq` is the seq of the same record's change appended
 * just before it in this append, or, for the record's first one, null here and the record's `last_change_seq` in SQL.
 */
export class ChangeChain {
  private readonly last = new Map<string, number>();

  prev(c: NewChange): number | null {
    return this.last.get(recordOf(c)) ?? null;
  }

  appended(c: NewChange, seq: number): void {
    this.last.set(recordOf(c), seq);
  }
}

function recordOf(c: NewChange): string {
  return `${c.source}\u0000${c.entity}\u0000${c.key}`;
}

/** The `changes` row of a new change (its seq comes from the database). */
export function changeRow(c: NewChange, createdAt: string): Omit<DbChangeRow, 'seq'> {
  return {
    source: c.source,
    entity: c.entity,
    record_key: c.key,
    kind: c.kind,
    data: c.data,
    inbox_event_id: c.inboxEventId,
    event_uuid: c.eventUuid,
    event_timestamp: c.eventTimestamp,
    mapping_version: c.mappingVersion,
    cause: c.cause,
    created_at: createdAt,
  };
}
