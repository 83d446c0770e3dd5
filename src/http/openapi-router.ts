import { Router } from 'express';
import { OPENAPI_PATH } from './http-schemas';

/**
 * `GET /openapi.json`: the OpenAPI document, without authentication. It describes the routes and holds no data, key
 * or secret (the same document for every instance: docs/openapi.json), so hiding it would protect nothing.
 */
export function openapiRouter(document: object): Router {
  const router = Router();
  const body = JSON.stringify(document);
  router.get(OPENAPI_PATH, (_req, res) => {
    res.type('application/json').send(body);
  });
  return router;
}
