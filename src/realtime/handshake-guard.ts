import type { IncomingMessage } from 'node:http';
import type { Server } from 'socket.io';
import type { AddressConnections } from '../domain/limits/address-connections.js';
import type { AddressHasher } from '../domain/limits/address-hasher.js';
import { toAppError } from '../errors.js';
import type { ClientAddresses } from '../lib/client-address.js';
import type { Metrics } from '../metrics/metrics.js';

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
  private readonly admitted = new WeakMap<
    IncomingMessage,
    { hashes: string[]; timer: NodeJS.Timeout; counted: boolean }
  >();

  constructor(
    private readonly deps: HandshakeGuardDeps,
    io: Server,
  ) {
    io.engine.on('connection', (raw: { request: IncomingMessage; once(e: 'close', l: () => void): void }) => {
      const entry = this.admitted.get(raw.request);
      if (!entry?.counted) return;
      clearTimeout(entry.timer);
      raw.once('close', () => deps.connections.closed(entry.hashes[0]!));
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
    const entry = {
      hashes,
      counted: true,
      timer: setTimeout(() => {
        entry.counted = false;
        this.deps.connections.closed(hashes[0]!);
      }, HANDSHAKE_GRACE_MS),
    };
    entry.timer.unref();
    this.admitted.set(request, entry);
    return null;
  }

  /** The hashed addresses (this period's first) of the client whose handshake this was. */
  hashesOf(request: IncomingMessage): string[] {
    return this.admitted.get(request)?.hashes ?? [];
  }
}
