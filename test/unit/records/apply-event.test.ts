import assert from 'node:assert/strict';
import { applyEvent, type MappedEvent, type RecordState } from '../../../src/records/apply-event';
import { compareVersions } from '../../../src/records/record-version';

function ev(action: MappedEvent['action'], timestamp: number, uuid: string, data?: object): MappedEvent {
  return {
    version: { timestamp, action, uuid },
    action,
    data: data ? JSON.stringify(data) : undefined,
    rawContent: null,
    mappingVersion: 'v1',
  };
}

function after(state: RecordState | undefined, e: MappedEvent): RecordState | undefined {
  const d = applyEvent(state, e);
  return d.outcome === 'applied' ? d.next : state;
}

describe('the ordering rule', () => {
  it('orders by timestamp, then ADDED < CHANGED < REMOVED, then uuid', () => {
    assert.ok(compareVersions({ timestamp: 1, action: 'REMOVED', uuid: 'z' }, { timestamp: 2, action: 'ADDED', uuid: 'a' }) < 0);
    assert.ok(compareVersions({ timestamp: 5, action: 'CHANGED', uuid: 'z' }, { timestamp: 5, action: 'REMOVED', uuid: 'a' }) < 0);
    assert.ok(compareVersions({ timestamp: 5, action: 'CHANGED', uuid: 'a' }, { timestamp: 5, action: 'CHANGED', uuid: 'b' }) < 0);
    assert.equal(compareVersions({ timestamp: 5, action: 'ADDED', uuid: 'a' }, { timestamp: 5, action: 'ADDED', uuid: 'a' }), 0);
  });

  it('creates, updates only on a real data change, and marks older events stale', () => {
    const created = applyEvent(undefined, ev('ADDED', 10, 'a', { n: 1 }));
    assert.equal(created.outcome === 'applied' && created.change, 'created');
    const s1 = after(undefined, ev('ADDED', 10, 'a', { n: 1 }));
    const same = applyEvent(s1, ev('CHANGED', 20, 'b', { n: 1 }));
    assert.ok(same.outcome === 'applied');
    assert.equal(same.change, null, 'no change when the data is equal');
    assert.equal(same.next.version.timestamp, 20, 'the version moves anyway');
    const s2 = after(s1, ev('CHANGED', 20, 'b', { n: 1 }));
    assert.deepEqual(applyEvent(s2, ev('CHANGED', 15, 'c', { n: 9 })), { outcome: 'stale' });
    const upd = applyEvent(s2, ev('CHANGED', 30, 'd', { n: 2 }));
    assert.equal(upd.outcome === 'applied' && upd.change, 'updated');
  });

  it('tombstones on REMOVED keeping the data, and restores on a newer ADDED', () => {
    const s1 = after(undefined, ev('ADDED', 10, 'a', { n: 1 }));
    const removed = applyEvent(s1, ev('REMOVED', 20, 'b'));
    assert.ok(removed.outcome === 'applied');
    assert.equal(removed.change, 'deleted');
    assert.equal(removed.next.deleted, true);
    assert.equal(removed.next.data, JSON.stringify({ n: 1 }));
    assert.equal(
      applyEvent(removed.next, ev('REMOVED', 25, 'c')).outcome === 'applied' &&
        (applyEvent(removed.next, ev('REMOVED', 25, 'c')) as { change: unknown }).change,
      null,
    );
    assert.deepEqual(applyEvent(removed.next, ev('CHANGED', 5, 'x', { n: 5 })), { outcome: 'stale' }, 'older than the data it holds');
    const revived = applyEvent(removed.next, ev('ADDED', 30, 'd', { n: 3 }));
    assert.ok(revived.outcome === 'applied');
    assert.equal(revived.change, 'restored');
    assert.equal(revived.next.deleted, false);
  });

  it('a REMOVED that arrives first leaves a tombstone that an older ADDED fills with data but cannot revive', () => {
    const tomb = after(undefined, ev('REMOVED', 20, 'r'));
    assert.equal(tomb?.deleted, true);
    assert.equal(tomb?.dataVersion, null);
    const older = applyEvent(tomb, ev('ADDED', 10, 'a', { n: 1 }));
    assert.ok(older.outcome === 'applied');
    assert.equal(older.change, null);
    assert.equal(older.next.deleted, true);
    assert.equal(older.next.data, JSON.stringify({ n: 1 }));
    assert.deepEqual(older.next.version, { timestamp: 20, action: 'REMOVED', uuid: 'r' });
    assert.deepEqual(applyEvent(older.next, ev('CHANGED', 5, 'b', { n: 0 })), { outcome: 'stale' });
  });

  it('settles equal timestamps the same way in either arrival order', () => {
    const a = ev('CHANGED', 50, 'aaa', { n: 1 });
    const b = ev('CHANGED', 50, 'bbb', { n: 2 });
    const ab = after(after(undefined, a), b);
    const ba = after(after(undefined, b), a);
    assert.deepEqual(ab, ba);
    assert.equal(ab?.data, JSON.stringify({ n: 2 }));
  });
});
