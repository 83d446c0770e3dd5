import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { OpenAPIObject, OperationObject, ResponseObject } from 'openapi3-ts/oas31';

/** One answer of the service, as a test recorded it: which operation, and what came back. */
export interface RecordedAnswer {
  method: string;
  /** The path template of the document (`/api/v1/records/{entity}`). */
  path: string;
  status: number;
  contentType: string;
  body: unknown;
}

/**
 * Checks recorded answers against an OpenAPI 3.1 document with ajv (JSON Schema 2020-12, the dialect of OpenAPI
 * 3.1): the operation must exist, the status must be documented, and a JSON body must validate against the schema
 * of its status. Returns every problem found, empty when all answers conform.
 */
export function openApiResponseValidator(doc: OpenAPIObject): (answer: RecordedAnswer) => string[] {
  // The document is added whole, so the schemas' "#/components/schemas/..." references resolve inside it.
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  ajv.addSchema(doc as object, 'openapi.json');
  return (a) => {
    const where = `${a.method.toUpperCase()} ${a.path} → ${a.status}`;
    const operation = (doc.paths?.[a.path] as Record<string, OperationObject> | undefined)?.[a.method.toLowerCase()];
    if (!operation) return [`${where}: no such operation in the document`];
    const response = operation.responses?.[String(a.status)] as ResponseObject | undefined;
    if (!response) return [`${where}: status not documented (documented: ${Object.keys(operation.responses ?? {}).join(', ')})`];
    const mediaType = a.contentType.split(';')[0]?.trim() ?? '';
    if (!response.content?.[mediaType]) return [`${where}: content type ${mediaType} not documented`];
    if (mediaType !== 'application/json') return typeof a.body === 'string' ? [] : [`${where}: expected a text body`];
    const pointer = ['paths', a.path, a.method.toLowerCase(), 'responses', String(a.status), 'content', mediaType, 'schema']
      .map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1'))
      .join('/');
    const validate = ajv.getSchema(`openapi.json#/${pointer}`);
    if (!validate) return [`${where}: no schema at ${pointer}`];
    if (validate(a.body)) return [];
    return (validate.errors ?? []).map((e) => `${where}: ${e.instancePath || '(body)'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  };
}
