import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { startTestServer } from '../../helpers/test-runtime';
import { tempMappingsDir } from './mapping-fixtures';

describe('runtime and mappings', () => {
  it('exposes the shipped mappings on the runtime', async () => {
    const server = await startTestServer();
    try {
      assert.equal(server.runtime.mappings.forResourceType('SALES_LEAD')?.entity, 'lead');
      assert.equal(server.runtime.mappings.all().length, 8);
    } finally {
      await server.close();
    }
  });

  it('does not start on a broken mapping file', async () => {
    const tmp = tempMappingsDir();
    try {
      tmp.write('order.yaml', 'resourceType: ORDER\nentity: order\nfields: {}\n');
      await assert.rejects(startTestServer({ mappings: { dir: tmp.dir } }), (err: Error) =>
        err.message.includes(`${join(tmp.dir, 'order.yaml')}:3: fields: a mapping needs at least one field`),
      );
    } finally {
      tmp.remove();
    }
  });
});
