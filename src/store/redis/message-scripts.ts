import { lua } from './run-script.js';

// Key names inside these scripts must match keys.ts: they are derived from the prefix passed in
// ARGV because expiry touches messages of many rooms in one atomic step.

/** Sets a key's expiry to `at` unless it already lives longer (PEXPIRETIME is -1 without one). */
const extendTo = `
local function extendTo(key, at)
  if redis.call('PEXPIRETIME', key) < at then redis.call('PEXPIREAT', key, at) end
end
`;

/**
 * KEYS: body, index, seq, schedule, roomCreated. ARGV: json, expiresAt, id, roomToken, graceMs, now.
 * One script also keeps the room open (RoomStore's key), saving a round trip per message.
 * The body expires exactly at the deadline. The index and schedule hold only ids and must outlive
 * their last deadline by a grace period, or Redis could drop the schedule before expiry claims it.
 */
export const appendScript = lua(`${extendTo}
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
`);

/** KEYS: index. ARGV: prefix, roomToken. Returns live bodies oldest first; prunes ids whose body is gone. */
export const listScript = lua(`
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
local out = {}
for _, id in ipairs(ids) do
  local body = redis.call('GET', ARGV[1] .. 'message:' .. ARGV[2] .. ':' .. id)
  if body then table.insert(out, body) else redis.call('ZREM', KEYS[1], id) end
end
return out
`);

/** KEYS: schedule. ARGV: expiresAt, prefix, roomToken, ids... Returns the ids whose deadline moved. */
export const expireSoonerScript = lua(`
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
`);

/** KEYS: schedule, body, index. ARGV: member, id. Returns 1 if the message was still scheduled. */
export const removeScript = lua(`
local scheduled = redis.call('ZREM', KEYS[1], ARGV[1])
local deleted = redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[2])
if scheduled + deleted > 0 then return 1 end
return 0
`);

/**
 * KEYS: schedule. ARGV: now, limit, prefix. Pops due members (returned as member, deadline pairs) and deletes their bodies and index
 * entries in one step, so with several nodes polling each expiry is claimed by exactly one.
 */
export const claimDueScript = lua(`
local due = redis.call('ZRANGE', KEYS[1], '-inf', ARGV[1], 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[2]), 'WITHSCORES')
for i = 1, #due, 2 do
  local member = due[i]
  redis.call('ZREM', KEYS[1], member)
  local sep = string.find(member, '|', 1, true)
  local room = string.sub(member, 1, sep - 1)
  local id = string.sub(member, sep + 1)
  redis.call('DEL', ARGV[3] .. 'message:' .. room .. ':' .. id)
  redis.call('ZREM', ARGV[3] .. 'room:' .. room .. ':messages', id)
end
return due
`);
