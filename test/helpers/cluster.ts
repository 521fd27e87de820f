import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import type { Socket as NetSocket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterThisTest } from './cleanup.js';
import { eventually, openClient, type Client } from './client.js';
import { parseLogLines, type LogLine } from './log-capture.js';
import { spawnNode, type NodeProcess } from './node-process.js';
import { privateRedis } from './private-redis.js';
import { childPids, connectionOwner, isRunning } from './process-tree.js';
import { freePort, type PrivateRedis, type PrivateRedisOptions } from './redis-server.js';
import { testPrefix } from './stores.js';

/**
 * Real GhostChat nodes, each a cluster of WORKERS processes (src/main.ts, as `npm start` runs it),
 * sharing one private redis-server: for the tests of workers and nodes that die, of Redis restarts,
 * and of reconnecting to another node. Everything started here is stopped when the test ends.
 */
export class ClusterNode {
  private readonly killed = new Set<number>();

  private constructor(
    private readonly proc: NodeProcess,
    readonly port: number,
    readonly uploadDir: string,
  ) {}

  /** Starts one node and waits until it listens with all its workers ready. */
  static async start(options: {
    workers: number;
    redisUrl: string;
    prefix: string;
    env?: Record<string, string>;
  }): Promise<ClusterNode> {
    const port = await freePort();
    const uploadDir = mkdtempSync(join(tmpdir(), 'ghostchat-uploads-'));
    const proc = spawnNode('src/main.ts', {
      env: {
        NODE_ENV: 'production',
        LOG_LEVEL: 'info',
        HOST: '127.0.0.1',
        PORT: String(port),
        WORKERS: String(options.workers),
        REDIS_URL: options.redisUrl,
        REDIS_PREFIX: options.prefix,
        UPLOAD_DIR: uploadDir,
        ...options.env,
      },
    });
    const node = new ClusterNode(proc, port, uploadDir);
    afterThisTest(async () => {
      await node.crash();
      rmSync(uploadDir, { recursive: true, force: true });
    });
    // Generous: on a loaded machine a node of several workers (each compiling with tsx) starts slowly.
    await node.waitFor((lines) => lines.some((l) => l.event === 'listening'), 120_000);
    return node;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The primary's process id. */
  get pid(): number {
    return this.proc.pid;
  }

  get exited(): Promise<number | null> {
    return this.proc.exited;
  }

  output(): string {
    return this.proc.output();
  }

  lines(): LogLine[] {
    return parseLogLines(this.proc.output());
  }

  /** The workers serving now, as their start-up lines name them, less those that died since. */
  workerPids(): number[] {
    const exited = new Set(this.lines().flatMap((l) => (l.event === 'worker-exited' ? [l.pid as number] : [])));
    return this.lines()
      .filter((l) => l.event === 'worker-ready')
      .map((l) => l.pid as number)
      .filter((pid) => !exited.has(pid) && !this.killed.has(pid) && isRunning(pid));
  }

  /** Waits until `count` workers serve (e.g. once a dead one was replaced); resolves with their pids. */
  async waitForWorkers(count: number, timeoutMs = 30_000): Promise<number[]> {
    await this.waitFor(() => this.workerPids().length === count, timeoutMs);
    return this.workerPids();
  }

  /** kill -9 of one worker; resolves once it is gone. */
  async killWorker(pid: number): Promise<void> {
    this.killed.add(pid);
    process.kill(pid, 'SIGKILL');
    await eventually(() => !isRunning(pid), 10_000);
  }

  /** kill -9 of the whole node, primary and workers at once, as when its machine dies. */
  async crash(): Promise<void> {
    if (this.proc.child.exitCode !== null || this.proc.child.signalCode !== null) return;
    const workers = childPids(this.pid);
    for (const pid of [this.pid, ...workers]) {
      this.killed.add(pid);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await this.proc.exited;
    await eventually(() => workers.every((pid) => !isRunning(pid)), 10_000);
  }

  /** Sends `signal` to the primary; resolves with its exit code. */
  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    return this.proc.stop(signal);
  }

  /** The worker that serves `client` (which must be on websocket), from the kernel's socket table. */
  workerOf(client: TrackedClient): number | null {
    return connectionOwner(this.port, client.localPort(), this.workerPids());
  }

  private async waitFor(done: (lines: LogLine[]) => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.lines())) {
      if (this.proc.child.exitCode !== null) throw new Error(`node exited early:\n${this.proc.output()}`);
      if (Date.now() > deadline) throw new Error(`node not ready in ${timeoutMs} ms:\n${this.proc.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export interface TrackedClient extends Client {
  /** The local port of the client's current TCP connection. */
  localPort(): number;
}

/** A websocket client whose TCP connection can be looked up (which worker serves it). */
export async function openTrackedClient(url: string): Promise<TrackedClient> {
  let last: NetSocket | null = null;
  const agent = new (class extends Agent {
    override createConnection(...args: Parameters<Agent['createConnection']>) {
      const socket = super.createConnection(...args) as NetSocket;
      last = socket;
      return socket;
    }
  })();
  const client = (await openClient(url, { agent })) as TrackedClient;
  client.localPort = () => last?.localPort ?? 0;
  return client;
}

/**
 * A client served by the worker `pid` of `node`: opens clients until one lands there (the primary
 * hands each new connection to the worker with the fewest), then closes the others.
 */
export async function clientOnWorker(node: ClusterNode, pid: number, attempts = 12): Promise<TrackedClient> {
  const others: TrackedClient[] = [];
  try {
    for (let i = 0; i < attempts; i++) {
      const client = await openTrackedClient(node.url);
      let owner: number | null = null;
      await eventually(() => (owner = node.workerOf(client)) !== null, 5_000);
      if (owner === pid) return client;
      others.push(client);
    }
    throw new Error(`no connection reached worker ${pid} in ${attempts} tries`);
  } finally {
    for (const other of others) other.disconnect();
  }
}

export interface TestCluster {
  redis: PrivateRedis;
  prefix: string;
  nodes: ClusterNode[];
}

/** `nodes` nodes of `workers` workers each on a private redis-server (persistent if asked). */
export async function startCluster(options: {
  nodes: number;
  workers: number;
  /** Environment of every node. */
  env?: Record<string, string>;
  /** More environment for node `index` (e.g. a METRICS_PORT of its own). */
  nodeEnv?: (index: number) => Promise<Record<string, string>>;
  redis?: PrivateRedisOptions;
}): Promise<TestCluster> {
  const redis = await privateRedis(options.redis);
  const prefix = testPrefix();
  const nodes: ClusterNode[] = [];
  // One after the other: on two shared cores, starting them all at once only makes each slower.
  for (let i = 0; i < options.nodes; i++) {
    const env = { ...options.env, ...(await options.nodeEnv?.(i)) };
    nodes.push(await ClusterNode.start({ workers: options.workers, redisUrl: redis.url, prefix, env }));
  }
  return { redis, prefix, nodes };
}
