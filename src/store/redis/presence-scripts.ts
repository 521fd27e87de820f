import { defineScript, type CommandParser } from 'redis';
import type { JoinOutcome } from '../presence-store.js';

/** A room's presence keys, and the shared totals every join and leave keeps up to date. */
export interface PresenceKeys {
  connections: string;
  agents: string;
  rooms: string;
  total: string;
}

/**
 * Adds a connection to a room under a name, unless the room is full (ARGV[5], -1: no limit). One
 * script so two connections racing for one name, or for the last place, cannot both win.
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
redis.call('SADD', KEYS[5], ARGV[3])
for i = 1, 5 do redis.call('PEXPIRE', KEYS[i], ARGV[4]) end
return {'joined', redis.call('HVALS', KEYS[1])}
`,
  parseCommand(
    parser: CommandParser,
    keys: PresenceKeys & { nodeRooms: string },
    args: { connectionId: string; agentId: string; roomToken: string; keepMs: number; maxParticipants: number },
  ) {
    parser.pushKeys([keys.connections, keys.agents, keys.rooms, keys.total, keys.nodeRooms]);
    const max = Number.isFinite(args.maxParticipants) ? String(args.maxParticipants) : '-1';
    parser.push(args.connectionId, args.agentId, args.roomToken, String(args.keepMs), max);
  },
  transformReply([status, participants = []]: [string, string[]?]): JoinOutcome {
    if (status === 'joined' || status === 'already') return { status, participants };
    return { status: status as 'taken' | 'renamed' | 'full' };
  },
});

/** Takes a connection out of a room; the name it had, or null when it was not there. */
export const leaveRoom = defineScript({
  NUMBER_OF_KEYS: 4,
  SCRIPT: `
local agent = redis.call('HGET', KEYS[1], ARGV[1])
if not agent then return false end
redis.call('HDEL', KEYS[1], ARGV[1])
if redis.call('HGET', KEYS[2], agent) == ARGV[1] then redis.call('HDEL', KEYS[2], agent) end
if redis.call('HINCRBY', KEYS[3], ARGV[2], -1) <= 0 then redis.call('HDEL', KEYS[3], ARGV[2]) end
if redis.call('DECR', KEYS[4]) <= 0 then redis.call('DEL', KEYS[4]) end
return agent
`,
  parseCommand(parser: CommandParser, keys: PresenceKeys, connectionId: string, roomToken: string) {
    parser.pushKeys([keys.connections, keys.agents, keys.rooms, keys.total]);
    parser.push(connectionId, roomToken);
  },
  transformReply: (agent: string | null) => (typeof agent === 'string' ? agent : null),
});

/** Marks the node alive and keeps the shared keys alive. */
export const heartbeat = defineScript({
  NUMBER_OF_KEYS: 3,
  SCRIPT: `
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
`,
  parseCommand(
    parser: CommandParser,
    keys: { nodes: string; rooms: string; total: string },
    args: { nodeId: string; now: number; keepMs: number },
  ) {
    parser.pushKeys([keys.nodes, keys.rooms, keys.total]);
    parser.push(args.nodeId, String(args.now), String(args.keepMs));
  },
  transformReply: (): void => undefined,
});
