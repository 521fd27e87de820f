import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { WORKER_RESTART_MAX_DELAY_MS, WORKER_STABLE_AFTER_MS } from '../defaults.js';
import { isGhostChatMessage, type FromPrimary, type FromWorker } from './ipc.js';

/** @socket.io/sticky 2.0.1 keeps its least-connection count on the Worker object itself. */
type StickyWorker = Worker & { clientsCount?: number };

interface Member {
  worker: StickyWorker;
  startedAt: number;
  /** Set once the worker said it is ready; names it in shared presence. */
  nodeId: string | null;
  ready: Promise<void>;
  markReady(): void;
  failStart(reason: Error): void;
}

export interface WorkerPoolOptions {
  size: number;
  /** The module each worker runs (main.ts, which becomes a worker when it is one). */
  entry: string;
  /** Added to each worker's environment (the allocator's settings: Config.workerEnv). */
  env: Readonly<Record<string, string>>;
  log: Logger;
}

/**
 * The primary's workers: forks them, replaces one that dies (and has its participants taken out
 * of their rooms at once by a survivor), and stops them all on shutdown. Connections go only to
 * ready workers: a starting one counts as full for the sticky router, so nothing is handed to a
 * process that cannot take it yet.
 */
export class WorkerPool {
  private readonly members = new Map<number, Member>();
  /** Node ids of dead workers whose participants still have to leave (no worker was ready to do it). */
  private readonly departing: string[] = [];
  private readonly restarts = new Set<NodeJS.Timeout>();
  private restartDelayMs = 0;
  private started = false;
  private stopping = false;

  constructor(private readonly options: WorkerPoolOptions) {
    // 'advanced': the sticky router passes request bytes as Buffers, which JSON would mangle.
    cluster.setupPrimary({ exec: options.entry, serialization: 'advanced' });
    cluster.on('message', (worker, message) => this.onMessage(worker, message));
    cluster.on('exit', (worker, code, signal) => this.onExit(worker, code, signal));
  }

  /** Forks every worker; resolves once all are ready, rejects if one exits before it is. */
  async start(): Promise<void> {
    const members = Array.from({ length: this.options.size }, () => this.fork());
    await Promise.all(members.map((m) => m.ready));
    this.started = true;
  }

  /** Workers that are ready and still connected, in fork order. */
  ready(): Worker[] {
    return [...this.members.values()].filter((m) => m.nodeId !== null && m.worker.isConnected()).map((m) => m.worker);
  }

  /**
   * SIGTERM to every worker (each runs the graceful shutdown of a single process); resolves once all
   * have exited, with whether every one exited 0.
   */
  async stop(): Promise<boolean> {
    this.stopping = true;
    for (const timer of this.restarts) clearTimeout(timer);
    const exits = [...this.members.values()].map(
      ({ worker }) =>
        new Promise<boolean>((resolve) => {
          if (worker.isDead()) return resolve(worker.process.exitCode === 0);
          worker.once('exit', (code) => resolve(code === 0));
          // The signal itself, not worker.kill(): that cuts the IPC channel first, and a draining
          // worker still sends the last responses of the requests it took through the primary.
          worker.process.kill('SIGTERM');
        }),
    );
    return (await Promise.all(exits)).every(Boolean);
  }

  /** Ends every worker at once (the shutdown bound passed, or the start failed). */
  kill(): void {
    for (const { worker } of this.members.values()) if (!worker.isDead()) worker.process.kill('SIGKILL');
  }

  private fork(): Member {
    let markReady!: () => void;
    let failStart!: (reason: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failStart = reject;
    });
    // A replacement's failure to start is logged by onExit; only the first start's is the caller's.
    ready.catch(() => undefined);
    const worker: StickyWorker = cluster.fork(this.options.env);
    worker.clientsCount = Number.POSITIVE_INFINITY;
    const member: Member = { worker, startedAt: Date.now(), nodeId: null, ready, markReady, failStart };
    this.members.set(worker.id, member);
    return member;
  }

  private onMessage(worker: Worker, message: unknown): void {
    if (!isGhostChatMessage<FromWorker>(message) || message.ghostchat !== 'ready') return;
    const member = this.members.get(worker.id);
    if (!member) return;
    member.nodeId = message.nodeId;
    member.worker.clientsCount = 0;
    member.markReady();
    for (const nodeId of this.departing.splice(0)) this.send(worker, { ghostchat: 'node-gone', nodeId });
  }

  private onExit(worker: Worker, code: number | null, signal: string | null): void {
    const member = this.members.get(worker.id);
    if (!member) return;
    this.members.delete(worker.id);
    const pid = worker.process.pid;
    if (this.stopping) return;
    if (!this.started) {
      member.failStart(new Error(`worker ${worker.id} (pid ${pid}) exited with ${signal ?? code} before it was ready`));
      return;
    }
    this.options.log.error(
      { event: 'worker-exited', worker: worker.id, pid, code, signal },
      'worker died; replacing it',
    );
    if (member.nodeId !== null) this.depart(member.nodeId);
    this.replace(Date.now() - member.startedAt);
  }

  /** A survivor takes the dead worker's participants out of their rooms now, not 3 heartbeats later. */
  private depart(nodeId: string): void {
    const survivor = this.ready()[0];
    if (survivor) this.send(survivor, { ghostchat: 'node-gone', nodeId });
    else this.departing.push(nodeId);
  }

  private replace(livedMs: number): void {
    this.restartDelayMs =
      livedMs >= WORKER_STABLE_AFTER_MS
        ? 0
        : Math.min(Math.max(100, this.restartDelayMs * 2), WORKER_RESTART_MAX_DELAY_MS);
    const timer = setTimeout(() => {
      this.restarts.delete(timer);
      if (!this.stopping) this.fork();
    }, this.restartDelayMs);
    this.restarts.add(timer);
  }

  private send(worker: Worker, message: FromPrimary): void {
    if (worker.isConnected()) worker.send(message, () => undefined);
  }
}
