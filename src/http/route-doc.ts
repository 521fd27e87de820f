import type { z } from 'zod';
import type { ErrorCode } from '../errors.js';

/**
 * What a route tells the OpenAPI document about itself, attached where the route is declared
 * (`app.get(url, { config: { doc } }, handler)`). The schemas are the ones the handler parses
 * with, so the document cannot describe a different shape than the one enforced.
 */
export interface RouteDoc {
  summary: string;
  tags: string[];
  description?: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: { contentType: string; schema: z.ZodType };
  /** Success responses by status; `contentType` defaults to application/json. */
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
  /** Error codes the route can answer with; grouped by their HTTP status from errors.ts. */
  errors?: ErrorCode[];
  security?: 'bearer';
}

declare module 'fastify' {
  interface FastifyContextConfig {
    doc?: RouteDoc;
  }
}
