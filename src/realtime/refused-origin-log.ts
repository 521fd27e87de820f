import type { Logger } from 'pino';

export interface RefusedOriginLogOptions {
  /** One line per origin per window. */
  windowMs: number;
  /** Distinct origins remembered at once; past that, one line per window says more were refused. */
  maxOrigins: number;
  /** Longer origins are cut in the log. */
  maxLength: number;
  now: () => number;
}

/**
 * Says in the log which page origin a refused handshake came from and how to let it in: the usual
 * answer to "why can't my page connect". A page retries every few seconds and anyone can send any
 * Origin, so each origin is logged once per window and the set of origins is bounded. Never the
 * client's address.
 */
export class RefusedOriginLog {
  private readonly loggedAt = new Map<string, number>();
  private overflowLoggedAt = -Infinity;

  constructor(
    private readonly log: Logger,
    private readonly options: RefusedOriginLogOptions,
  ) {}

  refused(origin: string): void {
    const now = this.options.now();
    const shown = origin.slice(0, this.options.maxLength);
    const last = this.loggedAt.get(shown);
    if (last !== undefined && now - last < this.options.windowMs) return;
    if (last === undefined && this.loggedAt.size >= this.options.maxOrigins) this.forgetOlderThan(now);
    if (last === undefined && this.loggedAt.size >= this.options.maxOrigins) {
      if (now - this.overflowLoggedAt < this.options.windowMs) return;
      this.overflowLoggedAt = now;
      this.log.info(
        { event: 'handshake-origin-refused-many' },
        'handshakes refused from many more origins; each is logged again once the flood has passed',
      );
      return;
    }
    this.loggedAt.set(shown, now);
    this.log.info(
      { event: 'handshake-origin-refused', origin: shown },
      'socket.io handshake refused: its page origin is not allowed; add it to FRONTEND_URL (comma-separated), or to PUBLIC_URL if this server serves that page, to allow it',
    );
  }

  private forgetOlderThan(now: number): void {
    for (const [origin, at] of this.loggedAt) if (now - at >= this.options.windowMs) this.loggedAt.delete(origin);
  }
}
