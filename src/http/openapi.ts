import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ErrorCodes, type ErrorCode } from '../errors.js';
import { docsUi } from './docs-ui.js';
import type { RouteDoc } from './route-doc.js';

export interface DocumentedRoute {
  method: string;
  url: string;
  doc: RouteDoc | undefined;
}

export interface ApiInfo {
  title: string;
  version: string;
}

/** What the document says about the API as a whole, beside the routes. */
const API_DESCRIPTION = [
  'The REST side of GhostChat: health and readiness probes, room statistics and history, image',
  'upload and download, metrics. Chat itself runs over socket.io on the same port; its events,',
  'payloads and error codes are in docs/PROTOCOL.md. Errors are JSON',
  '`{ success: false, error: { code, message } }`; `code` is stable, `message` is for people.',
].join(' ');

export const ErrorBodySchema = z.object({
  success: z.literal(false),
  error: z.object({ code: z.string(), message: z.string() }),
});

/**
 * JSON Schema 2020-12, the dialect of OpenAPI 3.1. Requests are described as the client writes them
 * (`input`), responses as the server sends them. Each schema sits inside the document, whose dialect
 * already says what `$schema` would.
 */
function toJson(schema: z.ZodType, io: 'input' | 'output' = 'output') {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  });
  return json;
}

/** `/api/room/:token/stats` -> `/api/room/{token}/stats`. */
const openApiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');

function parameters(schema: z.ZodObject | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const json = toJson(schema, 'input') as { properties?: Record<string, object>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: property,
  }));
}

function errorResponses(codes: ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ErrorCodes[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, object> = {};
  for (const [status, group] of byStatus) {
    const schema = ErrorBodySchema.extend({
      error: z.object({ code: z.enum(group as [ErrorCode, ...ErrorCode[]]), message: z.string() }),
    });
    responses[String(status)] = {
      description: group.map((c) => `${c}: ${ErrorCodes[c].message}`).join('; '),
      content: { 'application/json': { schema: toJson(schema) } },
    };
  }
  return responses;
}

function operation(doc: RouteDoc | undefined) {
  if (!doc) return { summary: 'Not documented', 'x-undocumented': true, responses: { default: { description: '' } } };
  const responses: Record<string, object> = {};
  for (const [status, response] of Object.entries(doc.responses)) {
    responses[status] = {
      description: response.description,
      ...(response.schema
        ? { content: { [response.contentType ?? 'application/json']: { schema: toJson(response.schema) } } }
        : response.contentType
          ? { content: { [response.contentType]: { schema: { type: 'string' } } } }
          : {}),
    };
  }
  return {
    summary: doc.summary,
    tags: doc.tags,
    ...(doc.description ? { description: doc.description } : {}),
    parameters: [...parameters(doc.params, 'path'), ...parameters(doc.query, 'query')],
    ...(doc.body
      ? {
          requestBody: {
            required: true,
            content: { [doc.body.contentType]: { schema: toJson(doc.body.schema, 'input') } },
          },
        }
      : {}),
    ...(doc.security === 'bearer' ? { security: [{ bearer: [] }] } : {}),
    responses: { ...responses, ...errorResponses(doc.errors ?? []) },
  };
}

/** Builds an OpenAPI 3.1 document from the routes as registered, with the zod schemas they parse with. */
export function buildOpenApi(routes: readonly DocumentedRoute[], info: ApiInfo) {
  const paths: Record<string, Record<string, object>> = {};
  for (const route of routes) {
    const path = openApiPath(route.url);
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation(route.doc) };
  }
  return {
    openapi: '3.1.0',
    info: { ...info, description: API_DESCRIPTION, license: { name: 'MIT', identifier: 'MIT' } },
    paths,
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
  };
}

export type OpenApiDocument = ReturnType<typeof buildOpenApi>;

/**
 * Records every route registered after it and serves the document at /api/openapi.json, and Swagger
 * UI at /docs. Register it before any route so nothing is missed; a route without `config.doc` is
 * listed as undocumented, one with `schema.hide` (the UI's own pages) is left out.
 */
export function registerOpenApi(app: FastifyInstance, info: ApiInfo): void {
  const routes: DocumentedRoute[] = [];
  app.addHook('onRoute', (route) => {
    if (route.schema?.hide) return;
    for (const method of [route.method].flat()) {
      // Fastify adds a HEAD twin to every GET, and CORS answers preflights: neither is part of the API.
      if (method === 'OPTIONS') continue;
      if (method === 'HEAD' && routes.some((r) => r.url === route.url)) continue;
      routes.push({ method, url: route.url, doc: route.config?.doc });
    }
  });
  // One object for both readers, filled in once every plugin (and so every route) is registered.
  const document = {} as OpenApiDocument;
  app.addHook('onReady', async () => {
    Object.assign(document, buildOpenApi(routes, info));
  });
  app.get(
    '/api/openapi.json',
    {
      config: {
        doc: {
          summary: 'This OpenAPI document',
          tags: ['meta'],
          responses: { 200: { description: 'OpenAPI 3.1 document', contentType: 'application/json' } },
        },
      },
    },
    async () => document,
  );
  void app.register(docsUi(document));
}
