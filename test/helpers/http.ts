import type { FastifyInstance, HTTPMethods } from 'fastify';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: any;
}

function parseBody(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return text; // not JSON: keep the text
  }
}

/** GET (or another method) and parse JSON; returns status, headers and body. */
export async function http(url: string, init: RequestInit = {}): Promise<HttpAnswer> {
  const response = await fetch(url, init);
  return { status: response.status, headers: response.headers, body: parseBody(await response.text()) };
}

export async function getJson(url: string): Promise<any> {
  return (await http(url)).body;
}

/**
 * The same answer as `http`, through Fastify's `inject` (its testing guide): the request goes
 * through every hook, plugin and route, but no socket; for suites that test HTTP alone.
 */
export async function inject(
  app: FastifyInstance,
  path: string,
  init: { method?: HTTPMethods; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  const response = await app.inject({ method: init.method ?? 'GET', url: path, headers: init.headers ?? {} });
  const headers = new Headers();
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : String(value));
  }
  return { status: response.statusCode, headers, body: parseBody(response.body) };
}
