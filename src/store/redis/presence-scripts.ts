import { lua } from './run-script.js';

/**
 * KEYS: connections, agents, rooms, total, nodeRooms. ARGV: connectionId, agentId, roomToken, keepMs.
 * Returns {status, participants?}. One script so two connections racing for one name cannot both win.
 */
export const joinScript = lua(`
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  if current ~= ARGV[2] then return {'renamed'} end
  return {'already', redis.call('HVALS', KEYS[1])}
end
if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then return {'taken'} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
redis.call('HINCRBY', KEYS[3], ARGV[3], 1)
redis.call('INCR', KEYS[4])
redis.call('SADD', KEYS[5], ARGV[3])
for i = 1, 5 do redis.call('PEXPIRE', KEYS[i], ARGV[4]) end
return {'joined', redis.call('HVALS', KEYS[1])}
`);

/** KEYS: connections, agents, rooms, total. ARGV: connectionId, roomToken. Returns the agentId or nil. */
export const leaveScript = lua(`
local agent = redis.call('HGET', KEYS[1], ARGV[1])
if not agent then return false end
redis.call('HDEL', KEYS[1], ARGV[1])
if redis.call('HGET', KEYS[2], agent) == ARGV[1] then redis.call('HDEL', KEYS[2], agent) end
if redis.call('HINCRBY', KEYS[3], ARGV[2], -1) <= 0 then redis.call('HDEL', KEYS[3], ARGV[2]) end
if redis.call('DECR', KEYS[4]) <= 0 then redis.call('DEL', KEYS[4]) end
return agent
`);

/** KEYS: nodes, rooms, total. ARGV: nodeId, now, keepMs. Marks the node alive and keeps shared keys alive. */
export const heartbeatScript = lua(`
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
`);
