import { defineScript, type CommandParser } from 'redis';
import type { RoomCaps } from '../message-store.js';
import type { MessageSizes } from '../message-sizes.js';
import { popDueScript } from './due-schedule.js';
import { extendToLua, forgetMessageLua } from './room-lua.js';

// Key names built inside these scripts must match keys.ts (see room-lua.ts).

export interface AppendKeys {
  body: string;
  index: string;
  seq: string;
  schedule: string;
  roomCreated: string;
  sizes: string;
  usage: string;
}

export interface AppendArgs {
  json: string;
  expiresAt: number;
  id: string;
  roomToken: string;
  graceMs: number;
  /** How long the room's own keys outlive the message's deadline. */
  roomGraceMs: number;
  /** When the room counts as opened if it was not open yet (the message's timestamp). */
  openedAt: number;
  prefix: string;
  sizes: MessageSizes;
  caps: RoomCaps;
}

/**
 * Stores a message, indexes it in its room and schedules its expiry; keeps the room open
 * (RoomStore's key); and, in the same atomic step, drops the room's oldest messages while it holds
 * more than its caps allow (never the new one). An image that would take the room past its image
 * bytes is refused before anything is written. The body expires exactly at the deadline; the
 * room's keys and the global schedule outlive the room's last deadline by one to two grace periods
 * each, so a late expiry pass still finds them (the room's keys go as soon as its last message is
 * claimed).
 * Returns 0 (refused) or 1 followed by the dropped ids.
 */
export const appendMessage = defineScript({
  NUMBER_OF_KEYS: 7,
  SCRIPT: `${extendToLua}${forgetMessageLua}
local at = tonumber(ARGV[2])
local bytes, imageBytes = tonumber(ARGV[8]), tonumber(ARGV[9])
local maxMessages, maxBytes, maxImageBytes = tonumber(ARGV[10]), tonumber(ARGV[11]), tonumber(ARGV[12])
if imageBytes > 0 and tonumber(redis.call('HGET', KEYS[7], 'imageBytes') or '0') + imageBytes > maxImageBytes then
  return {0}
end
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', at)
local keep = at + tonumber(ARGV[13])
redis.call('SET', KEYS[5], ARGV[6], 'NX')
-- A room's positions start from its first message's time (ms x 1000): above any it had before.
if redis.call('EXISTS', KEYS[3]) == 0 then redis.call('SET', KEYS[3], ARGV[6] .. '000') end
local seq = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[2], seq, ARGV[3])
redis.call('ZADD', KEYS[4], at, ARGV[4] .. '|' .. ARGV[3])
redis.call('HSET', KEYS[6], ARGV[3], bytes .. ',' .. imageBytes)
redis.call('HINCRBY', KEYS[7], 'bytes', bytes)
redis.call('HINCRBY', KEYS[7], 'imageBytes', imageBytes)
-- The room's keys are extended together, one grace further than needed, and the usage hash notes
-- how far: the messages that follow skip the five checks until their deadline passes that mark.
-- The keys are created and deleted together (closeIfEmpty), so a room that starts over has no mark.
if tonumber(redis.call('HGET', KEYS[7], 'keep') or '0') < keep then
  local mark = keep + tonumber(ARGV[13])
  for i = 2, 7 do if i ~= 4 then extendTo(KEYS[i], mark) end end
  redis.call('HSET', KEYS[7], 'keep', mark)
end
-- The schedule, shared by every room, likewise: one grace further, so most appends only look.
local scheduleGrace = tonumber(ARGV[5])
if redis.call('PEXPIRETIME', KEYS[4]) < at + scheduleGrace then redis.call('PEXPIREAT', KEYS[4], at + 2 * scheduleGrace) end
local result = {1}
while redis.call('ZCARD', KEYS[2]) > maxMessages or tonumber(redis.call('HGET', KEYS[7], 'bytes')) > maxBytes do
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
  if oldest == ARGV[3] then break end
  redis.call('ZREM', KEYS[4], ARGV[4] .. '|' .. oldest)
  forgetMessage(ARGV[7], ARGV[4], oldest)
  table.insert(result, oldest)
end
return result
`,
  parseCommand(parser: CommandParser, keys: AppendKeys, args: AppendArgs) {
    parser.pushKeys([keys.body, keys.index, keys.seq, keys.schedule, keys.roomCreated, keys.sizes, keys.usage]);
    parser.push(
      args.json,
      String(args.expiresAt),
      args.id,
      args.roomToken,
      String(args.graceMs),
      String(args.openedAt),
      args.prefix,
      String(args.sizes.bytes),
      String(args.sizes.imageBytes),
      String(args.caps.maxMessages),
      String(args.caps.maxMessageBytes),
      String(args.caps.maxImageBytes),
      String(args.roomGraceMs),
    );
  },
  transformReply: ([stored, ...dropped]: [number, ...string[]]) => ({ stored: stored === 1, dropped }),
});

/** Moves the deadline of the given messages to `expiresAt` where that is sooner; returns the ids moved. */
export const expireMessagesSooner = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT: `
local at = tonumber(ARGV[1])
local moved = {}
for i = 4, #ARGV do
  local id = ARGV[i]
  local member = ARGV[3] .. '|' .. id
  local score = redis.call('ZSCORE', KEYS[1], member)
  if score and tonumber(score) > at then
    redis.call('ZADD', KEYS[1], at, member)
    redis.call('PEXPIREAT', ARGV[2] .. 'message:' .. ARGV[3] .. ':' .. id, at)
    table.insert(moved, id)
  end
end
return moved
`,
  parseCommand(
    parser: CommandParser,
    schedule: string,
    expiresAt: number,
    prefix: string,
    roomToken: string,
    ids: readonly string[],
  ) {
    parser.pushKey(schedule);
    parser.push(String(expiresAt), prefix, roomToken, ...ids);
  },
  transformReply: (moved: string[]) => moved,
});

/** Removes one message now; true if it was still scheduled or stored. */
export const removeMessage = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT: `${forgetMessageLua}
local scheduled = redis.call('ZREM', KEYS[1], ARGV[2] .. '|' .. ARGV[3])
if scheduled + forgetMessage(ARGV[1], ARGV[2], ARGV[3]) > 0 then return 1 end
return 0
`,
  parseCommand(parser: CommandParser, schedule: string, prefix: string, roomToken: string, id: string) {
    parser.pushKey(schedule);
    parser.push(prefix, roomToken, id);
  },
  transformReply: (removed: number) => removed === 1,
});

/** Claims due messages (members `roomToken|id`), deleting their bodies, index entries and sizes. */
export const claimDueMessages = popDueScript(
  `
  local sep = string.find(member, '|', 1, true)
  forgetMessage(prefix, string.sub(member, 1, sep - 1), string.sub(member, sep + 1))
`,
  forgetMessageLua,
);
