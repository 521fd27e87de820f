/**
 * Lua shared by the message and presence scripts. Key names built here must match keys.ts: they
 * are derived from the prefix because one atomic step touches keys of rooms it learns as it runs.
 */

/** Sets a key's expiry to `at` unless it already lives longer (PEXPIRETIME is -1 without one). */
export const extendToLua = `
local function extendTo(key, at)
  if redis.call('PEXPIRETIME', key) < at then redis.call('PEXPIREAT', key, at) end
end
`;

/**
 * Deletes what a room keeps once it is empty: with no message left, its sequence and size keys
 * go; with no participant either, its creation time. So nothing of a room outlives it.
 */
export const closeIfEmptyLua = `
local function closeIfEmpty(prefix, room)
  local base = prefix .. 'room:' .. room
  if redis.call('EXISTS', base .. ':messages') == 1 then return end
  redis.call('DEL', base .. ':seq', base .. ':sizes', base .. ':usage')
  if redis.call('EXISTS', prefix .. 'presence:' .. room .. ':connections') == 0 then
    redis.call('DEL', base .. ':created')
  end
end
`;

/**
 * Removes one message's body, index entry and sizes (its schedule entry is the caller's), then
 * closes the room if that was its last message. Returns 1 when the message was still there.
 */
export const forgetMessageLua = `${closeIfEmptyLua}
local function forgetMessage(prefix, room, id)
  local base = prefix .. 'room:' .. room
  local gone = redis.call('DEL', prefix .. 'message:' .. room .. ':' .. id)
  gone = gone + redis.call('ZREM', base .. ':messages', id)
  local size = redis.call('HGET', base .. ':sizes', id)
  if size then
    redis.call('HDEL', base .. ':sizes', id)
    -- 0 - n rather than -n: Lua writes -0 for a zero, which Redis does not take for an integer.
    local sep = string.find(size, ',', 1, true)
    redis.call('HINCRBY', base .. ':usage', 'bytes', 0 - tonumber(string.sub(size, 1, sep - 1)))
    redis.call('HINCRBY', base .. ':usage', 'imageBytes', 0 - tonumber(string.sub(size, sep + 1)))
  end
  closeIfEmpty(prefix, room)
  if gone > 0 then return 1 end
  return 0
end
`;
