import assert from 'node:assert/strict';
import { csvLine, csvValue, CsvWriter } from '../../../src/connectors/csv-writer';

// Pins the cases a CSV library's defaults get wrong with CRLF records (see ADR 0019): a bare LF or CR in a field
// must be quoted too, or an importer splits the record.
describe('csv writer (RFC 4180)', () => {
  it('quotes a field with a comma, a quote, a CR or an LF, and only those', () => {
    assert.equal(
      csvLine(['a', 'b,c', 'q"x', 'l\nf', 'c\rr', 'x\r\ny', '', ' sp ', 'tab\tx']),
      'a,"b,c","q""x","l\nf","c\rr","x\r\ny",, sp ,tab\tx\r\n',
    );
  });

  it('writes objects as JSON, null and missing as empty cells, other values as text', () => {
    assert.deepEqual(
      [csvValue({ a: 1 }), csvValue(null), csvValue(undefined), csvValue(true), csvValue(2.5)],
      ['{"a":1}', '', '', 'true', '2.5'],
    );
    const writer = new CsvWriter(['name', 'tags']);
    assert.equal(writer.header(), 'cursor,kind,source,key,name,tags\r\n');
    assert.equal(
      writer.row({ cursor: '7', kind: 'upsert', source: 's', key: 'k', data: { tags: ['x', 'y'] } }),
      '7,upsert,s,k,,"[""x"",""y""]"\r\n',
    );
  });
});
