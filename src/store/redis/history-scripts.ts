import { defineScript, type CommandParser } from 'redis';
import type { PageQuery } from '../message-store.js';

/** A page as the script answers it: null when the cursor message is not in the room. */
export interface RawPage {
  bodies: string[];
  hasMore: boolean;
}

/**
 * One page of a room's history in one call: from the cursor's place in the index (its sequence
 * number) towards older messages (newest page, `before`) or newer ones (`after`), skipping ids
 * whose body is gone, until `limit` messages or about `maxBytes` are taken. Batches are read by
 * score, not offset, so nothing moves under the walk; each batch's bodies come in one MGET. Answers -1 when the cursor is not there,
 * else 1, whether more remain, and the bodies in the order walked.
 */
export const listPage = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT: `
local limit, maxBytes, direction = tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local newerFirst = direction ~= 'after'
local bound = newerFirst and '+inf' or '-inf'
if direction ~= 'latest' then
  local score = redis.call('ZSCORE', KEYS[1], ARGV[6])
  if not score then return {-1} end
  bound = '(' .. score
end
local out, bytes, more = {}, 0, 0
local batch = limit + 1
while more == 0 do
  local ids
  if newerFirst then
    ids = redis.call('ZRANGE', KEYS[1], bound, '-inf', 'BYSCORE', 'REV', 'LIMIT', 0, batch, 'WITHSCORES')
  else
    ids = redis.call('ZRANGE', KEYS[1], bound, '+inf', 'BYSCORE', 'LIMIT', 0, batch, 'WITHSCORES')
  end
  if #ids == 0 then break end
  local keys = {}
  for i = 1, #ids, 2 do keys[#keys + 1] = ARGV[1] .. 'message:' .. ARGV[2] .. ':' .. ids[i] end
  local bodies = redis.call('MGET', unpack(keys))
  for i = 1, #keys do
    local body = bodies[i]
    if body then
      if #out >= limit or (#out > 0 and bytes + #body > maxBytes) then more = 1 break end
      out[#out + 1] = body
      bytes = bytes + #body
    end
    bound = '(' .. ids[2 * i]
  end
  if #ids < batch * 2 then break end
end
return {1, more, unpack(out)}
`,
  parseCommand(parser: CommandParser, index: string, prefix: string, roomToken: string, query: PageQuery) {
    parser.pushKey(index);
    const direction = query.after !== undefined ? 'after' : query.before !== undefined ? 'before' : 'latest';
    parser.push(
      prefix,
      roomToken,
      String(query.limit),
      String(query.maxBytes),
      direction,
      query.after ?? query.before ?? '',
    );
  },
  transformReply([status, more, ...bodies]: [number, number?, ...string[]]): RawPage | null {
    return status === 1 ? { bodies, hasMore: more === 1 } : null;
  },
});
