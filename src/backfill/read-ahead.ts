/**
 * The items of `source`, with up to `depth` more asked for while the consumer works on the current one: the
 * listing's next requests are in flight while its pages are committed (ADR 0036). Nothing is skipped or reordered,
 * and an error is thrown where it happened in the sequence, after the items before it.
 * @remarks An async generator queues `next()` calls and runs them one after another, so asking ahead is safe. When
 * the consumer stops early, the generator is closed once what is in flight has settled; those items are dropped
 * (a checkpoint only moves on what the consumer committed).
 */
export async function* readAhead<T>(source: AsyncIterable<T>, depth: number): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  const ahead: Promise<IteratorResult<T>>[] = [];
  const ask = () => {
    const next = iterator.next();
    next.catch(() => undefined); // awaited in turn below; an error after an early stop has no one to report to
    ahead.push(next);
  };
  let finished = false;
  try {
    for (;;) {
      while (ahead.length <= depth) ask();
      const result = await (ahead.shift() as Promise<IteratorResult<T>>);
      if (result.done) {
        finished = true;
        return;
      }
      yield result.value;
    }
  } finally {
    if (!finished) void iterator.return?.(undefined).catch(() => undefined);
  }
}
