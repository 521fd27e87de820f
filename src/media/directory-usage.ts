import type { Clock } from '../lib/clock.js';
import type { StoredFile } from './media-store.js';

/**
 * The bytes of every file `list` shows, counted afresh at most every `everyMs` (a scrape in between
 * gets the last count; scrapes at once share one count). For a directory that several processes
 * write and delete in (WORKERS>1, nodes on one volume), this is what it holds, the same for each of
 * them; a process's own tally would miss what the others wrote or deleted.
 */
export function directoryUsage(
  list: () => Promise<StoredFile[]>,
  everyMs: number,
  clock: Clock,
): () => Promise<{ bytes: number }> {
  let last: { at: number; bytes: number } | null = null;
  let counting: Promise<{ bytes: number }> | null = null;
  return () => {
    if (last && clock() - last.at < everyMs) return Promise.resolve({ bytes: last.bytes });
    counting ??= list()
      .then((files) => {
        last = { at: clock(), bytes: files.reduce((sum, file) => sum + file.bytes, 0) };
        return { bytes: last.bytes };
      })
      .finally(() => {
        counting = null;
      });
    return counting;
  };
}
