export interface TtlChoice {
  seconds: number;
  label: string;
}

/** Server limits the TTL picker depends on (from GET /api/config). */
export interface TtlLimits {
  maxTtlSeconds: number;
  defaultTtlSeconds: number;
}

const STANDARD = [0, 30, 300, 3600, 86_400];

/** "Burn after reading", "30 seconds", "5 minutes", "1 hour", "24 hours", "90 seconds"... */
export function ttlLabel(seconds: number): string {
  if (seconds === 0) return 'Burn after reading';
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (seconds % 3600 === 0) return unit(seconds / 3600, 'hour');
  if (seconds % 60 === 0) return unit(seconds / 60, 'minute');
  return unit(seconds, 'second');
}

/**
 * The TTLs the page offers: burn after reading and the standard ones the server allows, plus the
 * server's longest and its default when they are not among them, shortest first.
 */
export function ttlChoices(limits: TtlLimits): TtlChoice[] {
  const allowed = STANDARD.filter((s) => s <= limits.maxTtlSeconds);
  const seconds = [...new Set([...allowed, limits.maxTtlSeconds, limits.defaultTtlSeconds])].sort((a, b) => a - b);
  return seconds.map((s) => ({ seconds: s, label: ttlLabel(s) }));
}

/** "0:07", "4:59", "1:59:59", "23 h" for a countdown; whole seconds, never below zero. */
export function remaining(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  if (total >= 7200) return `${Math.floor(total / 3600)} h`;
  const two = (n: number) => String(n).padStart(2, '0');
  const minutes = Math.floor(total / 60);
  if (total >= 3600) return `${Math.floor(minutes / 60)}:${two(minutes % 60)}:${two(total % 60)}`;
  return `${minutes}:${two(total % 60)}`;
}
