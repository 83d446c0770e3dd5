import type { SnapshotDelivery } from './snapshot-delivery';
import type { SnapshotPage, SnapshotPageInput } from './snapshot-page';

/** A request to the snapshot thread: one page to prepare. */
export interface SnapshotRequest {
  id: number;
  input: SnapshotPageInput;
}

/** A page as it crosses back: the deliveries without their bodies, and every body in one buffer, moved, not copied. */
export interface WireSnapshotPage extends Omit<SnapshotPage, 'deliveries'> {
  heads: Omit<SnapshotDelivery, 'body'>[];
  /** Each body's length, in order, in `bodies`. */
  lengths: number[];
  bodies: Uint8Array;
}

export type SnapshotReply = { id: number; page: WireSnapshotPage } | { id: number; error: { code: string | undefined; message: string } };

/** Packs a prepared page for postMessage; the ArrayBuffer of `bodies` goes in the transfer list. */
export function packPage(page: SnapshotPage): WireSnapshotPage {
  const { deliveries, ...rest } = page;
  const lengths = deliveries.map((d) => d.body.length);
  const bodies = new Uint8Array(lengths.reduce((a, b) => a + b, 0));
  let at = 0;
  for (const d of deliveries) {
    bodies.set(d.body, at);
    at += d.body.length;
  }
  return { ...rest, heads: deliveries.map(({ body: _body, ...head }) => head), lengths, bodies };
}

/** The page again, each body a view of the one buffer that came over. */
export function unpackPage(wire: WireSnapshotPage): SnapshotPage {
  const { heads, lengths, bodies, ...rest } = wire;
  let at = 0;
  const deliveries = heads.map((head, i) => {
    const length = lengths[i] as number;
    const body = Buffer.from(bodies.buffer, bodies.byteOffset + at, length);
    at += length;
    return { ...head, body };
  });
  return { ...rest, deliveries };
}
