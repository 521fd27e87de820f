/** What one read of a room may take: `limit` messages, and about `maxBytes` of them. */
export interface PageBudget {
  limit: number;
  maxBytes: number;
}

/**
 * Whether a page already holding `count` messages of `bytes` takes no further one of `size`: it is
 * at its limit, or that one would take it past its bytes. A page always takes its first message,
 * however large, so a client can read past any message. Every store's history pages and catch-ups
 * stop by this rule (the Redis catch-up script applies the same in Lua).
 */
export function pageIsFull(count: number, bytes: number, size: number, budget: PageBudget): boolean {
  return count >= budget.limit || (count > 0 && bytes + size > budget.maxBytes);
}
