import swagger, { type StaticDocumentSpec } from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import type { OpenApiDocument } from './openapi.js';

/** Where the browsable API documentation is served. */
export const DOCS_PREFIX = '/docs';

/**
 * Swagger UI's assets are files of its package served from this origin, so the page needs nothing
 * from elsewhere: no inline script, no eval, no other host. Its inline `style` attributes and the
 * logo as a `data:` image are the only allowances.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Swagger UI at /docs, showing `document`. @fastify/swagger in its static mode is the UI's document
 * source; it keeps the object it is handed, which the caller fills in once every route is known.
 * Every response under /docs carries DOCS_CSP; the routes are `schema.hide`, so not part of the API.
 */
export function docsUi(document: OpenApiDocument) {
  return async (app: FastifyInstance) => {
    // Its types know OpenAPI 2 and 3.0 documents only; at run time it serves whatever it is handed.
    const specification = { document } as unknown as StaticDocumentSpec;
    await app.register(swagger, { mode: 'static', specification });
    await app.register(swaggerUi, {
      routePrefix: DOCS_PREFIX,
      staticCSP: DOCS_CSP,
      theme: { title: 'GhostChat API' },
      uiConfig: { deepLinking: true },
      validatorUrl: false,
    });
  };
}
