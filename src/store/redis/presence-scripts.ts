import { defineScript, type CommandParser } from 'redis';
import type { JoinOutcome } from '../presence-store.js';
import { closeIfEmptyLua, extendToLua } from './room-lua.js';

/**
 * A room's presence keys, the shared totals every join and leave keeps up to date, and the rooms
 * of the node the connection lives on (its heartbeat keeps their keys alive).
 */
export interface PresenceKeys {
  connections: string;
  agents: string;
  rooms: string;
  total: string;
  nodeRooms: string;
}

const pushPresenceKeys = (parser: CommandParser, keys: PresenceKeys) =>
  parser.pushKeys([keys.connections, keys.agents, keys.rooms, keys.total, keys.nodeRooms]);

/**
 * Adds a connection to a room under a name, unless the room is full (ARGV[5], -1: no limit). One
 * script so two connections racing for one name, or for the last place, cannot both win. Every key
 * it writes lives `ttlMs`, renewed by the node's heartbeats.
 */
export const joinRoom = defineScript({
  NUMBER_OF_KEYS: 5,
  SCRIPT: `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  if current ~= ARGV[2] then return {'renamed'} end
  return {'already', redis.call('HVALS', KEYS[1])}
end
if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then return {'taken'} end
if tonumber(ARGV[5]) >= 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[5]) then return {'full'} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
redis.call('HINCRBY', KEYS[3], ARGV[3], 1)
redis.call('INCR', KEYS[4])
redis.call('HINCRBY', KEYS[5], ARGV[3], 1)
for i = 1, 5 do redis.call('PEXPIRE', KEYS[i], ARGV[4]) end
return {'joined', redis.call('HVALS', KEYS[1])}
`,
  parseCommand(
    parser: CommandParser,
    keys: PresenceKeys,
    args: { connectionId: string; agentId: string; roomToken: string; ttlMs: number; maxParticipants: number },
  ) {
    pushPresenceKeys(parser, keys);
    const max = Number.isFinite(args.maxParticipants) ? String(args.maxParticipants) : '-1';
    parser.push(args.connectionId, args.agentId, args.roomToken, String(args.ttlMs), max);
  },
  transformReply([status, participants = []]: [string, string[]?]): JoinOutcome {
    if (status === 'joined' || status === 'already') return { status, participants };
    return { status: status as 'taken' | 'renamed' | 'full' };
  },
});

/**
 * Takes a connection out of a room; the name it had, or null when it was not there. Every count it
 * kept shrinks with it, and a room left empty with no message is closed (room-lua.ts).
 */
export const leaveRoom = defineScript({
  NUMBER_OF_KEYS: 5,
  SCRIPT: `${closeIfEmptyLua}
local agent = redis.call('HGET', KEYS[1], ARGV[1])
if not agent then return false end
redis.call('HDEL', KEYS[1], ARGV[1])
if redis.call('HGET', KEYS[2], agent) == ARGV[1] then redis.call('HDEL', KEYS[2], agent) end
if redis.call('HINCRBY', KEYS[3], ARGV[2], -1) <= 0 then redis.call('HDEL', KEYS[3], ARGV[2]) end
if redis.call('DECR', KEYS[4]) <= 0 then redis.call('DEL', KEYS[4]) end
if redis.call('HINCRBY', KEYS[5], ARGV[2], -1) <= 0 then redis.call('HDEL', KEYS[5], ARGV[2]) end
closeIfEmpty(ARGV[3], ARGV[2])
return agent
`,
  parseCommand(
    parser: CommandParser,
    keys: PresenceKeys,
    args: { connectionId: string; roomToken: string; prefix: string },
  ) {
    pushPresenceKeys(parser, keys);
    parser.push(args.connectionId, args.roomToken, args.prefix);
  },
  transformReply: (agent: string | null) => (typeof agent === 'string' ? agent : null),
});

/**
 * Marks the node alive and keeps alive, for another `ttlMs`, the shared keys and the presence (and
 * creation time) of every room it holds connections in: presence never expires under a live
 * member, and what a node that died left behind goes by itself within `ttlMs`.
 */
export const heartbeat = defineScript({
  NUMBER_OF_KEYS: 4,
  SCRIPT: `${extendToLua}
local now, ttl, prefix = tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
redis.call('ZADD', KEYS[1], now, ARGV[1])
for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ttl) end
for _, room in ipairs(redis.call('HKEYS', KEYS[4])) do
  redis.call('PEXPIRE', prefix .. 'presence:' .. room .. ':connections', ttl)
  redis.call('PEXPIRE', prefix .. 'presence:' .. room .. ':agents', ttl)
  extendTo(prefix .. 'room:' .. room .. ':created', now + ttl)
end
`,
  parseCommand(
    parser: CommandParser,
    keys: { nodes: string; rooms: string; total: string; nodeRooms: string },
    args: { nodeId: string; now: number; ttlMs: number; prefix: string },
  ) {
    parser.pushKeys([keys.nodes, keys.rooms, keys.total, keys.nodeRooms]);
    parser.push(args.nodeId, String(args.now), String(args.ttlMs), args.prefix);
  },
  transformReply: (): void => undefined,
});
