import type { Knex } from 'knex';
import type { CsvLayoutStore } from './csv-layout-store';

/** CsvLayoutStore on knex (both engines). */
export class KnexCsvLayoutStore implements CsvLayoutStore {
  constructor(private readonly db: Knex) {}

  async get(connector: string, entity: string): Promise<string[] | undefined> {
    const row = (await this.db('connector_csv_layouts').where({ connector, entity }).first('columns')) as { columns: string } | undefined;
    return row ? (JSON.parse(row.columns) as string[]) : undefined;
  }

  async save(connector: string, entity: string, columns: readonly string[], at: Date): Promise<void> {
    const values = { columns: JSON.stringify(columns), changed_at: at.toISOString() };
    await this.db('connector_csv_layouts')
      .insert({ connector, entity, ...values })
      .onConflict(['connector', 'entity'])
      .merge(values);
  }
}
