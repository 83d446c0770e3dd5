import { z } from 'zod';
import { recordLinks } from '../http/openapi-parts';

/**
 * The answers of mapping preview and tests (admin-mappings-router.ts) as zod schemas, for the OpenAPI document:
 * MappingPreview (src/mapping/mapping-preview.ts) and MappingTestRun (src/mapping/mapping-test-runner.ts) as JSON.
 */

const issue = z
  .strictObject({
    code: z.string().meta({ description: 'A code of docs/errors.md (MAPPING_NOT_FOUND when no mapping handles the type).' }),
    message: z.string(),
    file: z.string().meta({ description: 'The mapping file; empty when no mapping handles the type.' }),
    field: z.string().meta({ description: 'The target field; empty for a whole-delivery issue.' }),
    path: z.string().meta({ description: 'The source path or expression.' }),
  })
  .meta({ id: 'MappingIssue' });

/** What one delivery maps to, or why it does not; nothing is stored either way. */
export const mappingPreview = z
  .discriminatedUnion('ok', [
    z.strictObject({
      ok: z.literal(true),
      mapping: z.string().meta({ description: 'The mapping file.' }),
      entity: z.string(),
      key: z.string(),
      mappingVersion: z.string(),
      data: z.record(z.string(), z.unknown()).meta({ description: 'The normalized record.' }),
      links: recordLinks,
      matchedPaths: z.record(z.string(), z.string().nullable()).meta({
        description:
          'Which path each path-read field matched (with `from: [a, b]`, the one the value came from); null when none held a value.',
      }),
    }),
    z.strictObject({
      ok: z.literal(false),
      mapping: z.string().nullable(),
      entity: z.string().nullable(),
      key: z.string().nullable().meta({ description: 'The record key, when it could be read.' }),
      errors: z.array(issue),
    }),
  ])
  .meta({ id: 'MappingPreview' });

/** Every test case of the mappings folder run, with the files that could not load. */
export const mappingTestRun = z
  .strictObject({
    ok: z.boolean().meta({ description: 'Every case passed, every file loaded, and at least one case ran.' }),
    results: z.array(
      z.strictObject({
        name: z.string(),
        file: z.string(),
        passed: z.boolean(),
        failure: z.string().optional().meta({ description: 'The field-level diff of a failed case.' }),
      }),
    ),
    problems: z.array(
      z.strictObject({
        file: z.string(),
        line: z.number().int().meta({ description: '1-based; 0 when the fault has no place in the file.' }),
        message: z.string(),
      }),
    ),
    passed: z.number().int(),
    failed: z.number().int(),
  })
  .meta({ id: 'MappingTestRun' });
