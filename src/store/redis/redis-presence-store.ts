import type { Departure, JoinOutcome, PresenceStore, PresenceTotals, RoomConnection } from '../presence-store.js';
import type { RedisKeys } from './keys.js';
import type { PresenceKeys } from './presence-scripts.js';
import type { RedisClient } from './redis-connection.js';
import { storeCall } from './store-call.js';

export interface RedisPresenceOptions {
  nodeId: string;
  /** A node silent for this long is taken for dead and its connections leave their rooms. */
  nodeTimeoutMs: number;
  /** Presence keys outlive the last heartbeat (or join) by this much; each heartbeat renews them. */
  ttlMs: number;
}

/** Connection ids are `<nodeId>#<socket id>`: the node whose heartbeat keeps the connection's rooms alive. */
function nodeOf(connectionId: string): string {
  return connectionId.slice(0, Math.max(0, connectionId.indexOf('#')));
}

/**
 * Presence shared by every node: per room a hash connection -> agent and its inverse (to refuse
 * a taken name atomically). Connection ids start with the node id so a dead node's can be found.
 */
export class RedisPresenceStore implements PresenceStore {
  constructor(
    private readonly client: RedisClient,
    private readonly keys: RedisKeys,
    private readonly options: RedisPresenceOptions,
  ) {}

  join(roomToken: string, connectionId: string, agentId: string, maxParticipants = Infinity): Promise<JoinOutcome> {
    return storeCall(() =>
      this.client.joinRoom(this.roomKeys(roomToken, nodeOf(connectionId)), {
        connectionId,
        agentId,
        roomToken,
        ttlMs: this.options.ttlMs,
        maxParticipants,
      }),
    );
  }

  leave(roomToken: string, connectionId: string): Promise<string | null> {
    return storeCall(() => this.leaveScript(roomToken, connectionId));
  }

  participants(roomToken: string): Promise<string[]> {
    return storeCall(() => this.client.hVals(this.keys.presenceConnections(roomToken)));
  }

  connections(roomToken: string): Promise<RoomConnection[]> {
    return storeCall(async () => {
      const all = await this.client.hGetAll(this.keys.presenceConnections(roomToken));
      return Object.entries(all).map(([connectionId, agentId]) => ({ connectionId, agentId }));
    });
  }

  count(roomToken: string): Promise<number> {
    return storeCall(() => this.client.hLen(this.keys.presenceConnections(roomToken)));
  }

  totals(): Promise<PresenceTotals> {
    return storeCall(async () => {
      const [activeRooms, total] = await Promise.all([
        this.client.hLen(this.keys.presenceRooms()),
        this.client.get(this.keys.presenceTotal()),
      ]);
      return { activeRooms, totalParticipants: Math.max(0, Number(total ?? 0)) };
    });
  }

  heartbeat(now: number): Promise<void> {
    const k = this.keys;
    return storeCall(() =>
      this.client.heartbeat(
        {
          nodes: k.nodes(),
          rooms: k.presenceRooms(),
          total: k.presenceTotal(),
          nodeRooms: k.nodeRooms(this.options.nodeId),
        },
        { nodeId: this.options.nodeId, now, ttlMs: this.options.ttlMs, prefix: k.prefix },
      ),
    );
  }

  reapDeparted(now: number): Promise<Departure[]> {
    return storeCall(async () => {
      const dead = await this.client.zRangeByScore(this.keys.nodes(), '-inf', now - this.options.nodeTimeoutMs);
      const departures: Departure[] = [];
      for (const nodeId of dead) {
        if (nodeId === this.options.nodeId) continue;
        departures.push(...(await this.removeNode(nodeId)));
      }
      return departures;
    });
  }

  /** Takes every connection of `nodeId` out of its rooms: on a clean stop for itself, or when it died. */
  removeNode(nodeId: string): Promise<Departure[]> {
    return storeCall(async () => {
      const departures: Departure[] = [];
      const rooms = await this.client.hKeys(this.keys.nodeRooms(nodeId));
      for (const roomToken of rooms) {
        const fields = await this.client.hKeys(this.keys.presenceConnections(roomToken));
        for (const connectionId of fields) {
          if (!connectionId.startsWith(`${nodeId}#`)) continue;
          const agentId = await this.leaveScript(roomToken, connectionId);
          if (agentId !== null) departures.push({ roomToken, agentId });
        }
      }
      await this.client.del(this.keys.nodeRooms(nodeId));
      await this.client.zRem(this.keys.nodes(), nodeId);
      return departures;
    });
  }

  private leaveScript(roomToken: string, connectionId: string): Promise<string | null> {
    const keys = this.roomKeys(roomToken, nodeOf(connectionId));
    return this.client.leaveRoom(keys, { connectionId, roomToken, prefix: this.keys.prefix });
  }

  private roomKeys(roomToken: string, nodeId: string): PresenceKeys {
    const k = this.keys;
    return {
      connections: k.presenceConnections(roomToken),
      agents: k.presenceAgents(roomToken),
      rooms: k.presenceRooms(),
      total: k.presenceTotal(),
      nodeRooms: k.nodeRooms(nodeId),
    };
  }
}
