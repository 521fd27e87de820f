import { defineScript, type CommandParser } from 'redis';
import type { Rate } from '../../lib/gcra.js';
import type { UsageChange, UsageOutcome } from '../limit-store.js';

// Numbers cross into Lua as strings and come back as strings: Lua would cut a returned number to an
// integer, and `tostring` would print a deadline in ms in exponent form.

/**
 * A token bucket as its theoretical arrival time (lib/gcra.ts, the same arithmetic): one key, one
 * round trip, atomic across nodes, expiring when the bucket is full again. Returns '0' when taken,
 * else the ms to wait.
 */
export const takeToken = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT: `
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or ARGV[1])
if tat < now then tat = now end
local nextTat = tat + interval * tonumber(ARGV[4])
local allowAt = nextTat - interval * tonumber(ARGV[3])
if allowAt > now then return string.format('%.3f', allowAt - now) end
redis.call('SET', KEYS[1], string.format('%.3f', nextTat), 'PX', math.max(1, math.ceil(nextTat - now)))
return '0'
`,
  parseCommand(parser: CommandParser, key: string, rate: Rate, now: number, cost: number) {
    parser.pushKey(key);
    parser.push(String(now), String(rate.intervalMs), String(rate.burst), String(cost));
  },
  transformReply: (retryAfterMs: string) => Number(retryAfterMs),
});

/**
 * A byte gauge (LimitStore#applyUsage): KEYS[1] sorted set of deadlines, KEYS[2] hash of bytes per
 * deadline plus the `total`. Deadlines past `now` are subtracted first; then the changes, unless
 * their net addition passes the limit (-1: none; refused, it answers how long until enough
 * expires). Both keys expire with the last deadline, plus a grace.
 */
export const applyUsage = defineScript({
  NUMBER_OF_KEYS: 2,
  SCRIPT: `
local now = tonumber(ARGV[1])
local total = tonumber(redis.call('HGET', KEYS[2], 'total') or '0')
local due = redis.call('ZRANGE', KEYS[1], '-inf', now, 'BYSCORE')
for _, at in ipairs(due) do
  total = total - tonumber(redis.call('HGET', KEYS[2], at) or '0')
  redis.call('HDEL', KEYS[2], at)
end
if #due > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now) end
if total < 0 then total = 0 end
local added = 0
for i = 4, #ARGV, 2 do
  if tonumber(ARGV[i]) > now then added = added + tonumber(ARGV[i + 1]) end
end
local limit = tonumber(ARGV[2])
if added > 0 and limit >= 0 and total + added > limit then
  redis.call('HSET', KEYS[2], 'total', total)
  local needed = total + added - limit
  local freed = 0
  for _, at in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
    freed = freed + tonumber(redis.call('HGET', KEYS[2], at) or '0')
    if freed >= needed then return {'0', tostring(total), tostring(tonumber(at) - now)} end
  end
  return {'0', tostring(total), '-1'}
end
for i = 4, #ARGV, 2 do
  local at = ARGV[i]
  if tonumber(at) > now then
    local old = tonumber(redis.call('HGET', KEYS[2], at) or '0')
    local new = old + tonumber(ARGV[i + 1])
    if new < 0 then new = 0 end
    total = total + new - old
    if new == 0 then
      redis.call('HDEL', KEYS[2], at)
      redis.call('ZREM', KEYS[1], at)
    else
      redis.call('HSET', KEYS[2], at, new)
      redis.call('ZADD', KEYS[1], at, at)
    end
  end
end
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] == nil then
  redis.call('DEL', KEYS[1], KEYS[2])
  return {'1', '0', '0'}
end
redis.call('HSET', KEYS[2], 'total', total)
local keepUntil = tonumber(last[2]) + tonumber(ARGV[3])
redis.call('PEXPIREAT', KEYS[1], keepUntil)
redis.call('PEXPIREAT', KEYS[2], keepUntil)
return {'1', tostring(total), '0'}
`,
  parseCommand(
    parser: CommandParser,
    keys: { deadlines: string; bytes: string },
    args: { changes: readonly UsageChange[]; now: number; limit: number; graceMs: number },
  ) {
    parser.pushKeys([keys.deadlines, keys.bytes]);
    parser.push(String(args.now), Number.isFinite(args.limit) ? String(args.limit) : '-1', String(args.graceMs));
    for (const { until, bytes } of args.changes) parser.push(String(until), String(bytes));
  },
  transformReply: ([applied, total, retryAfterMs]: [string, string, string]): UsageOutcome => ({
    applied: applied === '1',
    total: Number(total),
    retryAfterMs: Number(retryAfterMs),
  }),
});

/** The salt of a period: the first caller's random value, kept until `forgetAt`; every caller gets it. */
export const addressSalt = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT: `
redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PXAT', ARGV[2])
return redis.call('GET', KEYS[1])
`,
  parseCommand(parser: CommandParser, key: string, candidate: string, forgetAt: number) {
    parser.pushKey(key);
    parser.push(candidate, String(forgetAt));
  },
  transformReply: (salt: string) => Buffer.from(salt, 'hex'),
});
