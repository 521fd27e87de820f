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

  constructor(
    readonly id: string,
    private readonly maxPending: number,
  ) {}

  /** Queues a task; refuses it when the client already has too many waiting (a flood). */
  enqueue(task: () => Promise<void>, { always = false } = {}): void {
    if (!always && this.pending >= this.maxPending) throw new AppError('TOO_MANY_PENDING');
    this.pending++;
    this.tail = this.tail.then(task).finally(() => {
      this.pending--;
    });
  }

  /** Resolves once every queued task has run. */
  drain(): Promise<void> {
    return this.tail;
  }
}
