import { defineScript, type CommandParser } from 'redis';
import { popDueScript } from './due-schedule.js';

// Key names built inside these scripts must match keys.ts: they are derived from the prefix passed in
// ARGV because expiry touches messages of many rooms in one atomic step.

/** Sets a key's expiry to `at` unless it already lives longer (PEXPIRETIME is -1 without one). */
const extendTo = `
local function extendTo(key, at)
  if redis.call('PEXPIRETIME', key) < at then redis.call('PEXPIREAT', key, at) end
end
`;

export interface AppendKeys {
  body: string;
  index: string;
  seq: string;
  schedule: string;
  roomCreated: string;
}

export interface AppendArgs {
  json: string;
  expiresAt: number;
  id: string;
  roomToken: string;
  graceMs: number;
  /** When the room counts as opened if it was not open yet (the message's timestamp). */
  openedAt: number;
}

/**
 * Stores a message, indexes it in its room and schedules its expiry. One script also keeps the room
 * open (RoomStore's key), saving a round trip per message. The body expires exactly at the deadline.
 * The index and schedule hold only ids and must outlive their last deadline by a grace period, or
 * Redis could drop the schedule before expiry claims it.
 */
export const appendMessage = defineScript({
  NUMBER_OF_KEYS: 5,
  SCRIPT: `${extendTo}
local at = tonumber(ARGV[2])
local keep = at + tonumber(ARGV[5])
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', at)
redis.call('SET', KEYS[5], ARGV[6], 'NX')
extendTo(KEYS[5], at)
local seq = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[2], seq, ARGV[3])
redis.call('ZADD', KEYS[4], at, ARGV[4] .. '|' .. ARGV[3])
extendTo(KEYS[2], keep)
extendTo(KEYS[3], keep)
extendTo(KEYS[4], keep)
return seq
`,
  parseCommand(parser: CommandParser, keys: AppendKeys, args: AppendArgs) {
    parser.pushKeys([keys.body, keys.index, keys.seq, keys.schedule, keys.roomCreated]);
    parser.push(
      args.json,
      String(args.expiresAt),
      args.id,
      args.roomToken,
      String(args.graceMs),
      String(args.openedAt),
    );
  },
  transformReply: (): void => undefined,
});

/** The live bodies of a room, oldest first; prunes ids whose body is gone. */
export const listMessages = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT: `
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
local out = {}
for _, id in ipairs(ids) do
  local body = redis.call('GET', ARGV[1] .. 'message:' .. ARGV[2] .. ':' .. id)
  if body then table.insert(out, body) else redis.call('ZREM', KEYS[1], id) end
end
return out
`,
  parseCommand(parser: CommandParser, index: string, prefix: string, roomToken: string) {
    parser.pushKey(index);
    parser.push(prefix, roomToken);
  },
  transformReply: (bodies: string[]) => bodies,
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
  NUMBER_OF_KEYS: 3,
  SCRIPT: `
local scheduled = redis.call('ZREM', KEYS[1], ARGV[1])
local deleted = redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[2])
if scheduled + deleted > 0 then return 1 end
return 0
`,
  parseCommand(
    parser: CommandParser,
    keys: { schedule: string; body: string; index: string },
    member: string,
    id: string,
  ) {
    parser.pushKeys([keys.schedule, keys.body, keys.index]);
    parser.push(member, id);
  },
  transformReply: (removed: number) => removed === 1,
});

/** Claims due messages (members `roomToken|id`), deleting their bodies and index entries. */
export const claimDueMessages = popDueScript(`
  local sep = string.find(member, '|', 1, true)
  local room = string.sub(member, 1, sep - 1)
  local id = string.sub(member, sep + 1)
  redis.call('DEL', prefix .. 'message:' .. room .. ':' .. id)
  redis.call('ZREM', prefix .. 'room:' .. room .. ':messages', id)
`);
