import { resolve } from 'node:path';
import type { ConnectorConfig } from '../config/connector-schema';
import { outputMappingFailed, type RecordShapes, type ShapeColumn } from '../connectors/record-shapes';
import { loadOutputMappingsSync, MappingLoadError, type CompiledMapping, type FieldDescriptor } from '../mapping';
import type { Container } from './container';

/**
 * What connector `name` sends per entity: its output mappings (config `outputMappings`, loaded once; a broken file
 * stops the start with every problem, as an inbound one does), else the normalized record. Declared columns come
 * from the output mapping, else from the inbound mapping of the entity (read from the registry at each call, so a
 * hot reload is seen).
 */
export function createRecordShapes(c: Container, config: ConnectorConfig): RecordShapes {
  const outputs = new Map<string, CompiledMapping>();
  if (config.outputMappings !== undefined) {
    const { mappings, problems } = loadOutputMappingsSync(resolve(config.outputMappings));
    if (problems.length > 0) throw new MappingLoadError(problems);
    for (const m of mappings) outputs.set(m.entity, m);
  }
  const inbound = (entity: string) => c.mappings.all().find((m) => m.entity === entity)?.fields;
  return {
    columns: (entity) => columnsOf(outputs.get(entity)?.fields ?? inbound(entity)),
    hasOutputMapping: (entity) => outputs.has(entity),
    shape: async (change) => {
      const mapping = outputs.get(change.entity);
      if (!mapping) return change.data;
      const result = await mapping.map(change.data);
      if (result.ok) return result.data;
      throw outputMappingFailed(
        change,
        result.errors.map((e) => `${e.code} ${e.field}: ${e.message.replace(/^.*?: field /, 'field ')}`),
      );
    },
  };
}

function columnsOf(fields: FieldDescriptor[] | undefined): ShapeColumn[] | undefined {
  return fields?.map((f) => ({ name: f.name, type: f.type, required: f.required }));
}
