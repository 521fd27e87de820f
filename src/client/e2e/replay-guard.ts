/**
 * Remembers the client-chosen ids of messages already shown, so a sealed message the server (or
 * anyone) sends again under a new server id is shown once. Bounded: the oldest ids are forgotten
 * first, long after their messages expired.
 */
export class ReplayGuard {
  private readonly seen = new Set<string>();

  constructor(private readonly capacity = 10_000) {}

  /** True the first time an id is offered, false on every later time. */
  firstSight(id: string): boolean {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    if (this.seen.size > this.capacity) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    return true;
  }
}
