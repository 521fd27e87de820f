import { AppError } from '../errors.js';

/**
 * Per-socket state: the rooms it joined (with the name it joined under) and a queue that runs its
 * events one at a time, so a client's messages are stored and broadcast in the order it sent them
 * and a send right after a join sees the join.
 */
export class Connection {
  readonly rooms = new Map<string, string>();
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;
  private accepting = true;

  constructor(
    readonly id: string,
    private readonly maxPending: number,
  ) {}

  /** Queues a task; refuses it when the client already has too many waiting (a flood). */
  enqueue(task: () => Promise<void>, { always = false } = {}): void {
    if (!always && !this.accepting) throw new AppError('SHUTTING_DOWN');
    if (!always && this.pending >= this.maxPending) throw new AppError('TOO_MANY_PENDING');
    this.pending++;
    this.tail = this.tail.then(task).finally(() => {
      this.pending--;
    });
  }

  /** Refuses further tasks with SHUTTING_DOWN (except `always` ones); those already queued still run. */
  stopAccepting(): void {
    this.accepting = false;
  }

  /** Resolves once every queued task has run. */
  drain(): Promise<void> {
    return this.tail;
  }
}
