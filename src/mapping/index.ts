/**
 * Stage ④ of the data flow: mapping files in, normalized records out. The sync engine imports from here only.
 */
export type {
  CompiledMapping,
  FieldDescriptor,
  FieldType,
  LinkDescriptor,
  MapResult,
  MappingIssue,
  MappingLoadProblem,
  MappingRegistry,
} from './mapping-types';
export { FIELD_TYPES } from './mapping-types';
export { loadMappings, loadMappingsSync, formatProblem } from './load-mappings';
export { FileMappingRegistry, MappingLoadError } from './file-mapping-registry';
export { redactContent } from './redact-content';
export {
  collectAllMappingTests,
  collectMappingTests,
  runMappingTest,
  runMappingTests,
  type CaseResult,
  type MappingTestRun,
  type RunnableCase,
} from './mapping-test-runner';
export { previewMapping, type MappingPreview, type PreviewIssue } from './mapping-preview';
export { listOutputMappingDirs, loadOutputMappingsSync, OUTPUT_MAPPINGS_SUBDIR, outputMappingJsonSchema } from './output-mapping';
