import assert from 'node:assert/strict';
import type { FieldDescriptor } from '../../../src/mapping';
import { entityViews, viewColumns, viewName } from '../../../src/records/entity-views';

const f = (name: string, type: FieldDescriptor['type'] = 'string'): FieldDescriptor => ({ name, type, required: false });

describe('entity view SQL', () => {
  it('names columns in snake_case, and a name already taken gets a numbered suffix', () => {
    const cols = viewColumns([
      f('phoneNumber'),
      f('phone_number'),
      f('deleted'),
      f('source'),
      f('HTTPStatus'),
      f('updated_at'),
      f('x'.repeat(80)),
    ]);
    assert.deepEqual(
      cols.map((c) => c.column),
      ['phone_number', 'phone_number_2', 'deleted_2', 'source_2', 'http_status', 'updated_at_2', 'x'.repeat(59)],
    );
    assert.deepEqual(cols.map((c) => c.field).slice(0, 2), ['phoneNumber', 'phone_number']);
  });

  it('one view per entity, fields of two files of one entity merged, first type kept', () => {
    const views = entityViews(
      [
        { entity: 'order', fields: [f('id'), f('total', 'decimal')] },
        { entity: 'company', fields: [f('name')] },
        { entity: 'order', fields: [f('total', 'integer'), f('note')] },
      ],
      'sqlite',
    );
    assert.deepEqual(
      views.map((v) => v.name),
      ['entity_company', 'entity_order'],
    );
    assert.deepEqual(views[1]?.columns, [
      { column: 'id', field: 'id', type: 'string' },
      { column: 'total', field: 'total', type: 'decimal' },
      { column: 'note', field: 'note', type: 'string' },
    ]);
    assert.equal(viewName('sales_lead'), 'entity_sales_lead');
  });

  it('reads each field from the stored data by its mapped name, quoting the column', () => {
    const [sqlite] = entityViews([{ entity: 'lead', fields: [f('createdOn', 'datetime')] }], 'sqlite');
    const [pg] = entityViews([{ entity: 'lead', fields: [f('createdOn', 'datetime')] }], 'pg');
    assert.match(sqlite?.createSql ?? '', /json_extract\(r\.data, '\$\."createdOn"'\).* as "created_on"/);
    assert.match(pg?.createSql ?? '', /\(j\.d ->> 'createdOn'\)::timestamptz end as "created_on"/);
    assert.match(pg?.createSql ?? '', /where r\.entity = 'lead'$/);
    assert.ok(!/\?/.test(pg?.createSql ?? ''), 'no ? in the SQL: knex would bind it');
    assert.notEqual(sqlite?.fingerprint, pg?.fingerprint);
  });
});
