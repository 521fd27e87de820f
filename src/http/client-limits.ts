import type { FastifyInstance } from 'fastify';
import type { AddressAction, AddressLimits } from '../domain/limits/address-limits.js';
import type { AddressHasher } from '../domain/limits/address-hasher.js';
import type { ClientAddresses } from '../lib/client-address.js';
import type { Metrics } from '../metrics/metrics.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The per address rate this route counts against (HTTP_LOOKUPS_PER_MINUTE, HTTP_UPLOADS_PER_MINUTE). */
    clientLimit?: AddressAction;
  }
  interface FastifyRequest {
    /** The client's hashed addresses (this period's first), on routes with a `clientLimit`. */
    clientAddresses: string[] | null;
  }
}

export interface ClientLimitDeps {
  addresses: ClientAddresses;
  hasher: AddressHasher;
  limits: AddressLimits;
  metrics: Metrics;
}

/**
 * Counts each request to a route with a `clientLimit` against its address's rate, before the
 * route runs: over it, 429 RATE_LIMITED with Retry-After. The address is hashed at once; the
 * plain one is kept nowhere.
 */
export function registerClientLimits(app: FastifyInstance, deps: ClientLimitDeps): void {
  app.decorateRequest('clientAddresses', null);
  app.addHook('onRequest', async (request) => {
    const action = request.routeOptions.config.clientLimit;
    if (!action) return;
    const address = deps.addresses.resolve(request.raw.socket.remoteAddress, request.headers['x-forwarded-for']);
    request.clientAddresses = await deps.hasher.recent(address);
    try {
      await deps.limits.take(action, request.clientAddresses[0]!);
    } catch (err) {
      deps.metrics.limitRefused(`http-${action}s`);
      throw err;
    }
  });
}
