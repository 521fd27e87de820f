import { lua } from './run-script.js';

// Key names built inside these scripts must match keys.ts. The schedule member carries the file
// name and the carrying message so a claim can clean up even after the record itself has expired.

/** The schedule outlives its latest member by this much, so a due image is still there to claim. */
export const IMAGE_SCHEDULE_GRACE_MS = 86_400_000;

/** KEYS: record, key, byFile, schedule[, byMessage]. ARGV: json, key, deadline, id, member, keepScheduleUntil. */
export const putImageScript = lua(`
local at = tonumber(ARGV[3])
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', at)
redis.call('SET', KEYS[2], ARGV[2], 'PXAT', at)
redis.call('SET', KEYS[3], ARGV[4], 'PXAT', at)
if KEYS[5] then redis.call('SET', KEYS[5], ARGV[4], 'PXAT', at) end
redis.call('ZADD', KEYS[4], at, ARGV[5])
local keep = tonumber(ARGV[6])
if redis.call('PEXPIRETIME', KEYS[4]) < keep then redis.call('PEXPIREAT', KEYS[4], keep) end
`);

/** KEYS: schedule, record, key, byFile[, byMessage]. ARGV: deadline, member. Returns 1 when it moved. */
export const expireImageSoonerScript = lua(`
local at = tonumber(ARGV[1])
local score = redis.call('ZSCORE', KEYS[1], ARGV[2])
if not score or tonumber(score) <= at then return 0 end
redis.call('ZADD', KEYS[1], at, ARGV[2])
for i = 2, #KEYS do redis.call('PEXPIREAT', KEYS[i], at) end
return 1
`);

/** KEYS: schedule, record, key, byFile[, byMessage]. ARGV: member. Returns 1 for the one caller that took it. */
export const removeImageScript = lua(`
local scheduled = redis.call('ZREM', KEYS[1], ARGV[1])
for i = 2, #KEYS do redis.call('DEL', KEYS[i]) end
return scheduled
`);

/**
 * KEYS: schedule. ARGV: now, limit, prefix. Pops due members (returned as member, deadline pairs)
 * and deletes their records and keys in the same step: each image is claimed by exactly one node.
 */
export const claimDueImagesScript = lua(`
local due = redis.call('ZRANGE', KEYS[1], '-inf', ARGV[1], 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[2]), 'WITHSCORES')
for i = 1, #due, 2 do
  local member = due[i]
  redis.call('ZREM', KEYS[1], member)
  local id, file, room, msg = string.match(member, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)$')
  if id then
    redis.call('DEL', ARGV[3] .. 'image:' .. id, ARGV[3] .. 'image:' .. id .. ':key', ARGV[3] .. 'image-file:' .. file)
    if msg ~= '' then redis.call('DEL', ARGV[3] .. 'image-msg:' .. msg) end
  end
end
return due
`);
