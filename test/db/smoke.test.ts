import assert from 'node:assert/strict';
import { forEachDatabase } from '../helpers/test-databases';
forEachDatabase('smoke', (ctx) => {
  it('migrates', async () => {
    const r = await ctx.db('inbox_events').count({ n: '*' });
    assert.ok(r);
  });
});
