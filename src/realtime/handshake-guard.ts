import type { IncomingMessage } from 'node:http';
import type { Server } from 'socket.io';
import type { AddressConnections } from '../domain/limits/address-connections.js';
import type { AddressHasher } from '../domain/limits/address-hasher.js';
import { toAppError } from '../errors.js';
import type { ClientAddresses } from '../lib/client-address.js';
import type { Metrics } from '../metrics/metrics.js';

/** What of an engine.io socket the guard reads (`request` is its handshake's). */
interface EngineSocket {
  request: IncomingMessage;
  on(event: 'close', listener: (this: EngineSocket) => void): void;
}

/** A handshake admitted whose connection did not appear within this long is uncounted. */
const HANDSHAKE_GRACE_MS = 10_000;

export interface HandshakeGuardDeps {
  addresses: ClientAddresses;
  hasher: AddressHasher;
  connections: AddressConnections;
  metrics: Metrics;
}

/**
 * Connections per address and per node, checked on the engine.io handshake (socket.io's
 * `allowRequest`), before a socket or its buffers exist: a refused client costs one HTTP answer.
 * Each admitted connection is counted until its transport closes, whether or not it ever connects
 * to socket.io. The handshake request then carries the client's hashed addresses for the socket.
 */
export class HandshakeGuard {
  /** The hashed addresses of each admitted handshake, for as long as its request lives. */
  private readonly admitted = new WeakMap<IncomingMessage, string[]>();
  /** Handshakes counted whose connection has not appeared yet, with the timer that uncounts them. */
  private readonly awaiting = new WeakMap<IncomingMessage, NodeJS.Timeout>();

  constructor(
    private readonly deps: HandshakeGuardDeps,
    io: Server,
  ) {
    const admitted = this.admitted;
    // One listener for every transport (`this` is the engine.io socket): none kept per connection.
    const closed = function (this: EngineSocket) {
      deps.connections.closed(admitted.get(this.request)![0]!);
    };
    io.engine.on('connection', (raw: EngineSocket) => {
      const timer = this.awaiting.get(raw.request);
      if (timer === undefined) return;
      clearTimeout(timer);
      this.awaiting.delete(raw.request);
      // engine.io emits `close` once per transport.
      raw.on('close', closed);
    });
  }

  /** Resolves with the error code to refuse the handshake with, or null to let it in. */
  async admit(request: IncomingMessage): Promise<string | null> {
    const address = this.deps.addresses.resolve(request.socket.remoteAddress, request.headers['x-forwarded-for']);
    const hashes = await this.deps.hasher.recent(address);
    try {
      this.deps.connections.admit(hashes[0]!);
    } catch (err) {
      const { code } = toAppError(err);
      this.deps.metrics.limitRefused(code === 'RATE_LIMITED' ? 'connections-per-address-rate' : 'connections');
      return code;
    }
    const timer = setTimeout(() => {
      this.awaiting.delete(request);
      this.deps.connections.closed(hashes[0]!);
    }, HANDSHAKE_GRACE_MS);
    timer.unref();
    this.admitted.set(request, hashes);
    this.awaiting.set(request, timer);
    return null;
  }

  /** The hashed addresses (this period's first) of the client whose handshake this was. */
  hashesOf(request: IncomingMessage): string[] {
    return this.admitted.get(request) ?? [];
  }
}
