import type { MessagePage, PageQuery } from '../message-store.js';
import { pageIsFull } from '../page-budget.js';
import type { RedisKeys } from './keys.js';
import type { RedisClient } from './redis-connection.js';

/**
 * One page of a room's history: from the cursor's place in the index (its sequence number) towards
 * older messages (newest page, `before`) or newer ones (`after`), skipping ids whose body is gone,
 * until `limit` messages or about `maxBytes` are taken. Batches are read by score, not offset, so
 * nothing moves under the walk; each batch's bodies come in one MGET. Plain commands, not a script:
 * Redis spends about five times the CPU handing the same replies to Lua and back (54 against 257 µs
 * for a page of 200), and on the history route Redis is what every request waits for. Null when
 * the cursor message is not in the room.
 */
export async function readPage(
  client: RedisClient,
  keys: RedisKeys,
  roomToken: string,
  query: PageQuery,
): Promise<MessagePage | null> {
  const index = keys.roomIndex(roomToken);
  const cursor = query.after ?? query.before;
  const newerFirst = query.after === undefined;
  let bound = newerFirst ? '+inf' : '-inf';
  if (cursor !== undefined) {
    const score = await client.zScore(index, cursor);
    if (score === null) return null;
    bound = `(${score}`;
  }
  const bodies: string[] = [];
  // The ids of the first and the last message taken, in the order walked.
  let firstId: string | null = null;
  let lastId: string | null = null;
  let bytes = 0;
  let hasMore = false;
  const batch = { offset: 0, count: query.limit + 1 };
  for (;;) {
    const ids = newerFirst
      ? await client.zRange(index, bound, '-inf', { BY: 'SCORE', REV: true, LIMIT: batch })
      : await client.zRange(index, bound, '+inf', { BY: 'SCORE', LIMIT: batch });
    if (ids.length === 0) break;
    const found = await client.mGet(ids.map((id) => keys.message(roomToken, id)));
    for (const [i, id] of ids.entries()) {
      const body = found[i];
      if (body === null || body === undefined) continue;
      const size = Buffer.byteLength(body);
      if (pageIsFull(bodies.length, bytes, size, query)) {
        hasMore = true;
        break;
      }
      bodies.push(body);
      firstId ??= id;
      lastId = id;
      bytes += size;
    }
    if (hasMore || ids.length < batch.count) break;
    // Bodies were gone (expired, not yet claimed): go on past the batch's last id. Rare, so its
    // score is asked for here rather than with every id.
    const score = await client.zScore(index, ids[ids.length - 1]!);
    if (score === null) break;
    bound = `(${score}`;
  }
  // Walked newest first unless catching up (`after`); a page reads oldest first.
  if (newerFirst) bodies.reverse();
  return { json: `[${bodies.join(',')}]`, count: bodies.length, oldestId: newerFirst ? lastId : firstId, hasMore };
}
