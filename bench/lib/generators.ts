import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command, ConnectResult, ExpiryResult, FanoutResult, Reply, Seat } from './generator-protocol.js';
import { cpuMs } from './proc-stats.js';

const script = fileURLToPath(new URL('../load-client.ts', import.meta.url));

/** A pool of load-generator processes; each command goes to all of them and resolves with every reply. */
export class Generators {
  private constructor(private readonly children: ChildProcess[]) {}

  static start(count: number): Generators {
    // BENCH_GEN_PROF=<dir> profiles the generators themselves, to check what a delivery costs them.
    const profile = process.env.BENCH_GEN_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_GEN_PROF}`] : [];
    const children = Array.from({ length: count }, () =>
      fork(script, [], { execArgv: ['--import', 'tsx', ...profile], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    );
    return new Generators(children);
  }

  get size(): number {
    return this.children.length;
  }

  pids(): number[] {
    return this.children.map((c) => c.pid!);
  }

  /** Total CPU ms of all generator processes so far. */
  cpuMs(): number {
    return this.children.reduce((sum, c) => sum + cpuMs(c.pid!), 0);
  }

  /**
   * Splits seats round-robin over the processes and joins them all. With `spreadSources`, process i
   * connects from 127.0.0.<i+2>: one source address has only ~28,000 ephemeral ports towards one
   * server port, fewer than the connections a cluster is measured holding.
   */
  async connect(
    url: string,
    seats: Seat[],
    timeoutMs = 60_000,
    { spreadSources = false }: { spreadSources?: boolean } = {},
  ): Promise<ConnectResult> {
    const shares = this.children.map((_, i) => seats.filter((_, j) => j % this.children.length === i));
    const replies = await Promise.all(
      this.children.map((child, i) =>
        this.ask<ConnectResult>(
          child,
          {
            type: 'connect',
            url,
            seats: shares[i]!,
            concurrency: 100,
            timeoutMs,
            ...(spreadSources ? { localAddress: `127.0.0.${i + 2}` } : {}),
          },
          timeoutMs + 5000,
        ),
      ),
    );
    return {
      type: 'connected',
      opened: replies.reduce((s, r) => s + r.opened, 0),
      failed: replies.reduce((s, r) => s + r.failed, 0),
      ms: Math.max(...replies.map((r) => r.ms)),
      errors: replies.flatMap((r) => r.errors),
    };
  }

  /** Each process sends `messagesPerSec / size`. */
  fanout(messagesPerSec: number, durationMs: number, drainMs: number, padding: number): Promise<FanoutResult[]> {
    const share = messagesPerSec / this.children.length;
    return Promise.all(
      this.children.map((c) =>
        this.ask<FanoutResult>(
          c,
          { type: 'fanout', messagesPerSec: share, durationMs, drainMs, padding },
          durationMs + drainMs + 30_000,
        ),
      ),
    );
  }

  expiry(cmd: Omit<Extract<Command, { type: 'expiry' }>, 'type'>, timeoutMs: number): Promise<ExpiryResult[]> {
    return Promise.all(this.children.map((c) => this.ask<ExpiryResult>(c, { type: 'expiry', ...cmd }, timeoutMs)));
  }

  async closeClients(): Promise<void> {
    await Promise.all(this.children.map((c) => this.ask(c, { type: 'close' }, 10_000)));
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.disconnect();
            setTimeout(() => c.kill('SIGKILL'), 5000).unref();
          }),
      ),
    );
  }

  private ask<T extends Reply>(child: ChildProcess, cmd: Command, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.off('message', onReply);
        reject(new Error(`generator did not answer ${cmd.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onReply = (message: Reply) => {
        clearTimeout(timer);
        child.off('message', onReply);
        if (message.type === 'error') reject(new Error(`generator: ${message.message}`));
        else resolve(message as T);
      };
      child.on('message', onReply);
      child.send(cmd);
    });
  }
}
