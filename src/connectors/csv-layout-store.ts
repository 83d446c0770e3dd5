/**
 * The connector_csv_layouts table (migration 013): the columns a file connector last wrote per entity, so a run
 * can tell when a mapping change altered them.
 */
export interface CsvLayoutStore {
  /** The columns last written for the entity; undefined before its first file. */
  get(connector: string, entity: string): Promise<string[] | undefined>;
  save(connector: string, entity: string, columns: readonly string[], at: Date): Promise<void>;
}
