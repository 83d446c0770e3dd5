import type { RecordVersion, ResourceAction } from '../domain/envelope';

export type { RecordVersion } from '../domain/envelope';

/**
 * On equal timestamps the action decides: ADDED < CHANGED < REMOVED, so a removal stamped in the same
 * millisecond as a change wins, as it would have come after it. Still equal, the delivery uuid decides
 * (plain string order): arbitrary but fixed, so the outcome never depends on arrival order.
 */
const ACTION_RANK: Record<ResourceAction, number> = { ADDED: 0, CHANGED: 1, REMOVED: 2 };

/**
 * Orders two versions: negative when `a` is older than `b`, 0 when they are the same delivery.
 *
 * @remarks This total order is what makes the store converge: the same set of events gives the same final
 * records in any arrival order. See docs/adr/0005-ordering-rule.md.
 */
export function compareVersions(a: RecordVersion, b: RecordVersion): number {
  if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp ? -1 : 1;
  const rank = ACTION_RANK[a.action] - ACTION_RANK[b.action];
  if (rank !== 0) return rank;
  return a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0;
}
