import { defineScript, type CommandParser } from 'redis';
import type { CatchUpQuery } from '../message-store.js';

/** A catch-up as the script answers it. */
export interface RawCatchUp {
  gone: string[];
  /** Bodies and their deadlines (epoch ms), oldest first. */
  messages: Array<{ body: string; expiresAt: number }>;
  complete: boolean;
  position: number;
}

/**
 * A resuming client's catch-up in one atomic step: which held ids left the room's index, and the
 * live bodies after the newest held id still in it (or after the floor), read by score in
 * batches, until `limit` messages or about `maxBytes`. Answers the room's position (its sequence,
 * 0 when it has none), whether all was read, the number of gone ids, those ids, then pairs of body
 * and deadline. Positions stay strings on their way through Lua: they exceed its 14-digit numbers.
 */
export const catchUpMessages = defineScript({
  NUMBER_OF_KEYS: 2,
  SCRIPT: `
local prefix, room = ARGV[1], ARGV[2]
local limit, maxBytes = tonumber(ARGV[4]), tonumber(ARGV[5])
local bound, boundNumber = ARGV[3], tonumber(ARGV[3])
local gone = {}
if #ARGV > 5 then
  local scores = redis.call('ZMSCORE', KEYS[1], unpack(ARGV, 6))
  for i = 6, #ARGV do
    local score = scores[i - 5]
    if score then
      if tonumber(score) > boundNumber then bound, boundNumber = score, tonumber(score) end
    else
      table.insert(gone, ARGV[i])
    end
  end
end
local out, bytes, complete = {}, 0, 1
local cursor = '(' .. bound
local batch = limit + 1
while complete == 1 do
  local ids = redis.call('ZRANGE', KEYS[1], cursor, '+inf', 'BYSCORE', 'LIMIT', 0, batch, 'WITHSCORES')
  for i = 1, #ids, 2 do
    local key = prefix .. 'message:' .. room .. ':' .. ids[i]
    local body = redis.call('GET', key)
    if body then
      if #out >= limit * 2 or (#out > 0 and bytes + #body > maxBytes) then complete = 0 break end
      table.insert(out, body)
      table.insert(out, redis.call('PEXPIRETIME', key))
      bytes = bytes + #body
    end
    cursor = '(' .. ids[i + 1]
  end
  if #ids < batch * 2 then break end
end
local position = redis.call('GET', KEYS[2]) or '0'
local reply = {position, complete, #gone}
for _, id in ipairs(gone) do table.insert(reply, id) end
for _, v in ipairs(out) do table.insert(reply, v) end
return reply
`,
  parseCommand(
    parser: CommandParser,
    keys: { index: string; seq: string },
    prefix: string,
    roomToken: string,
    query: CatchUpQuery,
  ) {
    parser.pushKeys([keys.index, keys.seq]);
    parser.push(prefix, roomToken, String(query.floor), String(query.limit), String(query.maxBytes), ...query.held);
  },
  transformReply([position, complete, goneCount, ...rest]: [string, number, number, ...Array<string | number>]) {
    const gone = rest.slice(0, goneCount) as string[];
    const messages: RawCatchUp['messages'] = [];
    for (let i = goneCount; i < rest.length; i += 2) {
      messages.push({ body: rest[i] as string, expiresAt: rest[i + 1] as number });
    }
    return { gone, messages, complete: complete === 1, position: Number(position) } satisfies RawCatchUp;
  },
});
