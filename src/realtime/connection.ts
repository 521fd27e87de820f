import { AppError } from '../errors.js';

/** How a pipelined task's first step ended. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

const IDLE: Promise<void> = Promise.resolve();

/**
 * Per-socket state: the rooms it joined (with the name it joined under) and a queue that keeps its
 * events in the order sent: a client's messages are stored and broadcast in that order, acks go
 * out in that order, and a send right after a join sees the join.
 *
 * Most events run one at a time (`enqueue`). Sends are pipelined (`pipeline`): each one's store
 * call starts as soon as the events before it have started, so a burst does not wait one store
 * round trip per message (one Redis connection keeps its commands, and so the stored order, in the
 * order issued); what follows the store call (broadcast, ack) still runs one at a time, in order.
 */
export class Connection {
  readonly rooms = new Map<string, string>();
  /** `send-image` events received and not yet acknowledged (see handlers/send-image.ts). */
  imagesInFlight = 0;
  /** Settles once every task queued so far has finished. */
  private tail: Promise<void> = IDLE;
  /** Settles once every one-at-a-time task queued so far has finished: where a pipelined task may start. */
  private gate: Promise<void> = IDLE;
  private pending = 0;
  private accepting = true;

  constructor(
    readonly id: string,
    private readonly maxPending: number,
  ) {}

  /**
   * Queues a task that runs alone, after every task queued before it has finished; refuses it when
   * the client already has too many waiting (a flood).
   */
  enqueue(task: () => Promise<void>, { always = false } = {}): void {
    this.admit(always);
    this.tail = this.tail.then(task).finally(() => this.done());
    this.gate = this.tail;
  }

  /**
   * Queues a task in two steps: `start` (which must issue its store calls before its first
   * `await`) runs once every one-at-a-time task before it has finished, overlapping the pipelined
   * tasks around it; `finish` gets its outcome once every task before it has finished, so finishes
   * run one at a time, in order. Refused like `enqueue`.
   */
  pipeline<T>(start: () => Promise<T>, finish: (outcome: Settled<T>) => void): void {
    this.admit(false);
    const started = this.gate.then(start).then(
      (value): Settled<T> => ({ ok: true, value }),
      (error: unknown): Settled<T> => ({ ok: false, error }),
    );
    this.tail = this.tail
      .then(() => started)
      .then(finish)
      .finally(() => this.done());
  }

  /** Refuses further tasks with SHUTTING_DOWN (except `always` ones); those already queued still run. */
  stopAccepting(): void {
    this.accepting = false;
  }

  /** Resolves once every queued task has run. */
  drain(): Promise<void> {
    return this.tail;
  }

  /**
   * Once nothing is queued, the chain goes back to the one settled promise every idle connection
   * shares: an idle connection keeps no promise of its own.
   */
  private done(): void {
    if (--this.pending === 0) this.tail = this.gate = IDLE;
  }

  private admit(always: boolean): void {
    if (!always && !this.accepting) throw new AppError('SHUTTING_DOWN');
    if (!always && this.pending >= this.maxPending) throw new AppError('TOO_MANY_PENDING');
    this.pending++;
  }
}
