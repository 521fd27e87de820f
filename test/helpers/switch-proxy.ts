import { connect, createServer, type Socket } from 'node:net';
import { afterThisTest } from './cleanup.js';

/**
 * A TCP proxy on a free loopback port in front of one server at a time, as a load balancer: `cut()`
 * drops every client's connection the way a phone that changes networks loses it (the client sees
 * it close; the server sees nothing, and keeps a ghost until its own timeouts), and `pointTo()`
 * sends the connections that follow to another server. Closed when the test ends.
 */
export class SwitchProxy {
  private readonly pairs = new Set<{ client: Socket; upstream: Socket }>();
  /** Server sides of cut connections, held open (and silent) until the proxy closes. */
  private readonly ghosts = new Set<Socket>();
  private target: number;
  /** While set, new connections wait here, unanswered (as on a network still coming up). */
  private held: Socket[] | null = null;

  private constructor(
    private readonly server: ReturnType<typeof createServer>,
    initialTarget: number,
  ) {
    this.target = initialTarget;
  }

  static async start(targetPort: number): Promise<SwitchProxy> {
    const server = createServer();
    const proxy = new SwitchProxy(server, targetPort);
    server.on('connection', (client) => proxy.forward(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    afterThisTest(() => proxy.close());
    return proxy;
  }

  get url(): string {
    const address = this.server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  /** New connections go to `port` from now on. */
  pointTo(port: number): void {
    this.target = port;
  }

  /**
   * Every client connection is closed; their server side stays open and silent (nothing more is
   * forwarded either way), so the server cannot tell the client went. With `hold`, connections
   * made after it wait unanswered until `release()`.
   */
  cut({ hold = false } = {}): void {
    if (hold) this.hold();
    for (const pair of this.pairs) {
      pair.client.unpipe(pair.upstream);
      pair.upstream.unpipe(pair.client);
      pair.client.destroy();
      this.ghosts.add(pair.upstream);
    }
    this.pairs.clear();
  }

  /** Connections made from now on wait unanswered until `release()`. */
  hold(): void {
    this.held ??= [];
  }

  /** Forwards the connections that were held (to the current target) and the ones that follow. */
  release(): void {
    const waiting = this.held ?? [];
    this.held = null;
    for (const client of waiting) this.forward(client);
  }

  close(): Promise<void> {
    for (const client of this.held ?? []) client.destroy();
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    for (const ghost of this.ghosts) ghost.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private forward(client: Socket): void {
    if (this.held) {
      this.held.push(client);
      return;
    }
    const upstream = connect(this.target, '127.0.0.1');
    const pair = { client, upstream };
    this.pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      if (!this.pairs.delete(pair)) return;
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  }
}
