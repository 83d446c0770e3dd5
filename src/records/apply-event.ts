import type { ChangeKind } from '../domain/change';
import type { ResourceAction } from '../domain/envelope';
import { compareVersions, type RecordVersion } from './record-version';

/**
 * A record as the ordering rule sees it. `data` is canonical JSON text (compared to detect a change), `rawContent`
 * plain JSON. `version` is the newest
 * event applied; `dataVersion` the newest event that carried data (older than `version` on a tombstone made by a
 * REMOVED without content; null on a tombstone that never had data).
 */
export interface RecordState {
  data: string;
  rawContent: string | null;
  version: RecordVersion;
  dataVersion: RecordVersion | null;
  mappingVersion: string;
  deleted: boolean;
}

/** One event, already mapped. `data` is undefined for a REMOVED that carried no content to map. */
export interface MappedEvent {
  version: RecordVersion;
  action: ResourceAction;
  data: string | undefined;
  rawContent: string | null;
  mappingVersion: string;
}

export type Decision = { outcome: 'stale' } | { outcome: 'applied'; next: RecordState; change: ChangeKind | null };

/**
 * The sync engine's one rule, as a pure function: what an event does to the record it names.
 *
 * @remarks
 * - An event applies only if its version is newer than the record's (see compareVersions); otherwise `stale`.
 * - REMOVED makes a tombstone: deleted is set and the data kept (or replaced by the removal's own content).
 * - ADDED/CHANGED after a tombstone revives the record (`restored`).
 * - A change is reported only when the data or the deleted flag really changed; the version moves anyway,
 *   so an older event arriving later is still recognised as stale.
 */
export function applyEvent(current: RecordState | undefined, event: MappedEvent): Decision {
  if (current && compareVersions(event.version, current.version) <= 0) return backfillTombstone(current, event);

  if (event.action === 'REMOVED') {
    const carriesData = event.data !== undefined;
    const data = event.data ?? current?.data ?? '{}';
    const next: RecordState = {
      data,
      rawContent: event.rawContent ?? current?.rawContent ?? null,
      version: event.version,
      dataVersion: carriesData ? event.version : (current?.dataVersion ?? null),
      mappingVersion: carriesData ? event.mappingVersion : (current?.mappingVersion ?? event.mappingVersion),
      deleted: true,
    };
    const changed = !current || !current.deleted || current.data !== data;
    return { outcome: 'applied', next, change: changed ? 'deleted' : null };
  }

  const data = event.data ?? '{}';
  const next: RecordState = {
    data,
    rawContent: event.rawContent,
    version: event.version,
    dataVersion: event.version,
    mappingVersion: event.mappingVersion,
    deleted: false,
  };
  let change: ChangeKind | null;
  if (!current) change = 'created';
  else if (current.deleted) change = 'restored';
  else change = current.data === data ? null : 'updated';
  return { outcome: 'applied', next, change };
}

/**
 * An event older than the record can still matter to a tombstone: applied in version order it would have come
 * before the REMOVED, so the tombstone keeps *its* data when it is newer than the data the tombstone holds.
 * Without this, a tombstone's data would depend on arrival order. The record stays deleted; no change is
 * appended (consumers already saw the deletion).
 */
function backfillTombstone(current: RecordState, event: MappedEvent): Decision {
  const newerData =
    current.deleted &&
    event.data !== undefined &&
    (current.dataVersion === null || compareVersions(event.version, current.dataVersion) > 0);
  if (!newerData || event.data === undefined) return { outcome: 'stale' };
  const next: RecordState = {
    ...current,
    data: event.data,
    rawContent: event.rawContent ?? current.rawContent,
    dataVersion: event.version,
    mappingVersion: event.mappingVersion,
  };
  return { outcome: 'applied', next, change: null };
}
