import { z } from 'zod';
import { PATH_PATTERN } from './path-reader';

/**
 * The one schema of mapping files and mapping test files. The service, `appdirect-sync mappings check` and the
 * published JSON Schema (schema/*.schema.json, for editor autocompletion) all come from here; a test fails when the
 * published files drift from it. Checks that JSON Schema cannot say well (exactly one source per field, JSONata
 * syntax, defaults of the right type) are made by compile-mapping.ts and reported the same way, with a line.
 */

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DROP_PATH = /^[A-Za-z_$][\w$-]*(?:\.(?:[A-Za-z_$][\w$-]*|\*)|\[(?:\d+|\*)\])*$/;

const fieldName = z.string().regex(FIELD_NAME, { error: 'field names are letters, digits and _ (usable as SQL columns)' });
const sourcePath = z
  .string()
  .regex(PATH_PATTERN, {
    error: 'a path is dotted names with optional [n], [name=value] or [$path] steps, e.g. resource.content.orderLines[0].id',
  })
  .describe('A plain path into the delivery (or, inside a collection, into the item). Compiled to direct reads.');
/** One path, or several tried in order: the first that holds a value (not absent, not null) wins. */
const sourcePaths = z
  .union([sourcePath, z.array(sourcePath).min(1).max(8)])
  .describe('A path, or a list of paths tried in order (the first holding a value wins). Compiled to direct reads.');
const entityName = z.string().regex(/^[a-z][a-z0-9_]*$/, { error: 'entity names are lower snake case, e.g. subscription' });

const common = {
  description: z.string().optional().describe('What the field means for the CRM/ERP side.'),
  from: sourcePaths.optional(),
  href: sourcePaths
    .optional()
    .describe("Path(s) to an AppDirect href (a URL); the value is the URL's last path segment, the resource's id."),
  expr: z
    .string()
    .min(1)
    .optional()
    .describe('A JSONata expression, evaluated on the delivery (or the item). $delivery is the whole envelope.'),
  value: z.unknown().optional().describe('A constant value instead of a source.'),
  required: z
    .boolean()
    .optional()
    .describe('A missing value (absent, null, or an expression yielding nothing) is an error. Default false.'),
  default: z.unknown().optional().describe('Used when the source yields nothing; must itself be valid for the type.'),
};

const scalarField = z.strictObject({
  type: z.enum(['string', 'integer', 'decimal', 'boolean', 'date', 'datetime', 'json']),
  ...common,
});

const enumField = z.strictObject({
  type: z.literal('enum'),
  ...common,
  values: z
    .union([z.array(z.string()).min(1), z.record(z.string(), z.string())])
    .describe('Allowed source values: a list (kept as is) or a map from source value to target value.'),
  unknown: z.enum(['reject', 'passthrough']).optional().describe('What an unlisted value does. Default reject.'),
});

/** A mapped field; `collection` nests item fields for lists such as order lines. */
export const fieldSchema: z.ZodType<FieldSpec> = z.discriminatedUnion('type', [
  scalarField,
  enumField,
  z.strictObject({
    type: z.literal('collection'),
    description: common.description,
    from: common.from,
    href: common.href,
    expr: common.expr,
    required: common.required,
    default: common.default,
    get fields() {
      return z.record(fieldName, fieldSchema).describe('Item fields; their paths are relative to the item.');
    },
  }),
]);

/**
 * A link from the record to another record: the target entity and where the target's key is read. `href` paths come
 * first (the key is the href's last segment, always the target's uuid); `from` paths second (an id that may be the
 * target's uuid or, per marketplace setting, its external id: `match` names the target field to try then).
 */
export const linkSchema = z.strictObject({
  entity: entityName.describe('The target entity, e.g. company.'),
  description: z.string().optional(),
  href: sourcePaths.optional().describe("Path(s) to the target's href; its last path segment is the target's key."),
  from: sourcePaths.optional().describe("Path(s) to the target's id, tried after href."),
  field: fieldName
    .optional()
    .describe(
      "A field of this record whose value is the target's key, tried last: for a key that only an expression can read, e.g. a segment in the middle of resource.url.",
    ),
  match: fieldName
    .optional()
    .describe('A field of the target record that may hold the id read by `from` instead of its key, e.g. externalId.'),
});

/** A mapping file: `mappings/<name>.yaml`. */
export const mappingFileSchema = z.strictObject({
  resourceType: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]*$/, { error: 'resource types are upper snake case, e.g. SUBSCRIPTION' })
    .describe('The resource.type this file maps.'),
  aliases: z
    .array(z.string().regex(/^[A-Z][A-Z0-9_]*$/))
    .optional()
    .describe('Further resource.type values mapped the same way.'),
  entity: entityName.describe('Target entity name (the records table/view).'),
  description: z.string().optional(),
  provisional: z.boolean().optional().describe('True while the source schema is unpublished or unverified.'),
  key: sourcePath.optional().describe('Path of the record key in the delivery. Default resource.uuid.'),
  drop: z
    .array(z.string().regex(DROP_PATH, { error: 'a drop path is dotted names, [n] or * (any key or item)' }))
    .optional()
    .describe('Envelope paths removed before mapping and from stored raw content: payment details and the like.'),
  fields: z.record(fieldName, fieldSchema),
  links: z
    .record(fieldName, linkSchema)
    .optional()
    .describe('Links to other records, stored with the record and listed by `records links --dangling`.'),
  get tests() {
    return z.array(testCaseSchema).optional().describe('Test cases, as in a *.tests.yaml file.');
  },
});

const issueMatcher = z.strictObject({
  code: z.string().optional(),
  field: z.string().optional(),
  path: z.string().optional(),
  message: z.string().optional().describe('A substring of the message.'),
});

/** One test case: an input delivery and what the mapping must make of it. */
export const testCaseSchema = z.strictObject({
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()).optional().describe('The delivery envelope, inline.'),
  inputFile: z.string().optional().describe('A JSON delivery file, relative to the file holding the case.'),
  set: z.record(z.string(), z.unknown()).optional().describe('Paths to overwrite in the input, e.g. resource.content.status: BOGUS.'),
  unset: z.array(z.string()).optional().describe('Paths to delete from the input.'),
  expect: z.record(z.string(), z.unknown()).optional().describe('The exact record data.'),
  expectSubset: z.record(z.string(), z.unknown()).optional().describe('Fields the record data must contain (others ignored).'),
  expectKey: z.string().optional().describe('The record key keyOf() must give.'),
  expectLinks: z
    .record(z.string(), z.union([z.strictObject({ entity: z.string(), key: z.string(), match: z.string().optional() }), z.null()]))
    .optional()
    .describe('Links the record must have (null: the link must be absent); links not named are not checked.'),
  expectError: z
    .union([issueMatcher, z.array(issueMatcher)])
    .optional()
    .describe('Issues map() must report.'),
  ignore: z.array(z.string()).optional().describe('Output paths left out of the comparison (dynamic values).'),
});

/** A test file: `mappings/<name>.tests.yaml`, beside the mapping it tests. */
export const testFileSchema = z.strictObject({
  mapping: z.string().optional().describe('The mapping file tested; default: this file name without .tests.'),
  cases: z.array(testCaseSchema).min(1),
});

/** Field spec as written in a mapping file (after schema validation). */
export type FieldSpec =
  | z.infer<typeof scalarField>
  | z.infer<typeof enumField>
  | {
      type: 'collection';
      description?: string;
      from?: string | string[];
      href?: string | string[];
      expr?: string;
      required?: boolean;
      default?: unknown;
      fields: Record<string, FieldSpec>;
    };
export type MappingFile = z.infer<typeof mappingFileSchema>;
export type LinkSpec = z.infer<typeof linkSchema>;
export type TestCase = z.infer<typeof testCaseSchema>;
export type TestFile = z.infer<typeof testFileSchema>;

/** The published JSON Schemas, keyed by file name under schema/. */
export function mappingJsonSchemas(): Record<string, unknown> {
  return {
    'mapping.schema.json': {
      ...z.toJSONSchema(mappingFileSchema, { io: 'input' }),
      $id: 'https://appdirect-sync.local/schema/mapping.schema.json',
      title: 'appdirect-sync mapping file',
    },
    'mapping-tests.schema.json': {
      ...z.toJSONSchema(testFileSchema, { io: 'input' }),
      $id: 'https://appdirect-sync.local/schema/mapping-tests.schema.json',
      title: 'appdirect-sync mapping test file',
    },
  };
}
