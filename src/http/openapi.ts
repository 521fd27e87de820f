import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ErrorCodes, type ErrorCode } from '../errors.js';
import type { RouteDoc } from './route-doc.js';

export interface DocumentedRoute {
  method: string;
  url: string;
  doc: RouteDoc | undefined;
}

export interface ApiInfo {
  title: string;
  version: string;
  description?: string;
}

export const ErrorBodySchema = z.object({
  success: z.literal(false),
  error: z.object({ code: z.string(), message: z.string() }),
});

/** Requests are described as the client writes them (`input`), responses as the server sends them. */
const toJson = (schema: z.ZodType, io: 'input' | 'output' = 'output') =>
  z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' });

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

/** Builds an OpenAPI 3.0 document from the routes as registered, with the zod schemas they parse with. */
export function buildOpenApi(routes: readonly DocumentedRoute[], info: ApiInfo) {
  const paths: Record<string, Record<string, object>> = {};
  for (const route of routes) {
    const path = openApiPath(route.url);
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation(route.doc) };
  }
  return {
    openapi: '3.0.3',
    info,
    paths,
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
  };
}

/**
 * Records every route registered after it and serves the document at /api/openapi.json. Register it
 * before any route so nothing is missed; a route without `config.doc` is listed as undocumented.
 */
export function registerOpenApi(app: FastifyInstance, info: ApiInfo): void {
  const routes: DocumentedRoute[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      // Fastify adds a HEAD twin to every GET, and CORS answers preflights: neither is part of the API.
      if (method === 'OPTIONS') continue;
      if (method === 'HEAD' && routes.some((r) => r.url === route.url)) continue;
      routes.push({ method, url: route.url, doc: route.config?.doc });
    }
  });
  let document: ReturnType<typeof buildOpenApi> | null = null;
  app.get(
    '/api/openapi.json',
    {
      config: {
        doc: {
          summary: 'This OpenAPI document',
          tags: ['meta'],
          responses: { 200: { description: 'OpenAPI 3.0 document', contentType: 'application/json' } },
        },
      },
    },
    async () => (document ??= buildOpenApi(routes, info)),
  );
}
