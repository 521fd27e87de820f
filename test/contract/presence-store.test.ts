import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PresenceStore } from '../../src/store/presence-store.js';
import { storesOf, type StoresUnderTest } from '../helpers/store-factory.js';
import { keyTtls, storeKinds } from '../helpers/stores.js';

describe.each(storeKinds())('PresenceStore contract on %s', (kind) => {
  let under: StoresUnderTest;
  let presence: PresenceStore;
  beforeEach(async () => {
    under = await storesOf(kind, { nodeTimeoutMs: 1_000 });
    presence = under.stores.presence;
  });
  afterEach(() => under.cleanup());

  it('joins per connection and refuses a name held by another connection', async () => {
    expect(await presence.join('ABC-123-XYZ', 'n#1', 'Ghost')).toEqual({ status: 'joined', participants: ['Ghost'] });
    expect(await presence.join('ABC-123-XYZ', 'n#2', 'Ghost')).toEqual({ status: 'taken' });
    expect(await presence.join('ABC-123-XYZ', 'n#1', 'Ghost')).toMatchObject({ status: 'already' });
    expect(await presence.join('ABC-123-XYZ', 'n#1', 'Other')).toEqual({ status: 'renamed' });
    const joined = await presence.join('ABC-123-XYZ', 'n#2', 'Shadow');
    expect(joined.status).toBe('joined');
    expect(await presence.count('ABC-123-XYZ')).toBe(2);
    expect((await presence.participants('ABC-123-XYZ')).sort()).toEqual(['Ghost', 'Shadow']);
  });

  it("lists a room's connections with their names", async () => {
    await presence.join('ABC-123-XYZ', 'n#1', 'Ghost');
    await presence.join('ABC-123-XYZ', 'n#2~reveals', 'Shadow');
    await presence.join('OTH-ER0-001', 'n#3', 'Elsewhere');
    const sorted = (await presence.connections('ABC-123-XYZ')).sort((a, b) => a.agentId.localeCompare(b.agentId));
    expect(sorted).toEqual([
      { connectionId: 'n#1', agentId: 'Ghost' },
      { connectionId: 'n#2~reveals', agentId: 'Shadow' },
    ]);
    await presence.leave('ABC-123-XYZ', 'n#1');
    expect(await presence.connections('ABC-123-XYZ')).toEqual([{ connectionId: 'n#2~reveals', agentId: 'Shadow' }]);
    expect(await presence.connections('NON-E00-001')).toEqual([]);
  });

  it('leaves per connection, frees the name and keeps totals right', async () => {
    await presence.join('AAA-111-AAA', 'n#1', 'Ghost');
    await presence.join('BBB-222-BBB', 'n#1', 'Ghost');
    await presence.join('BBB-222-BBB', 'n#2', 'Shadow');
    expect(await presence.totals()).toEqual({ activeRooms: 2, totalParticipants: 3 });
    expect(await presence.leave('AAA-111-AAA', 'n#1')).toBe('Ghost');
    expect(await presence.leave('AAA-111-AAA', 'n#1')).toBeNull();
    expect(await presence.totals()).toEqual({ activeRooms: 1, totalParticipants: 2 });
    expect(await presence.join('AAA-111-AAA', 'n#3', 'Ghost')).toMatchObject({ status: 'joined' });
    await presence.leave('AAA-111-AAA', 'n#3');
    await presence.leave('BBB-222-BBB', 'n#1');
    await presence.leave('BBB-222-BBB', 'n#2');
    expect(await presence.totals()).toEqual({ activeRooms: 0, totalParticipants: 0 });
    expect(await presence.count('BBB-222-BBB')).toBe(0);
  });

  it('refuses a connection past the room limit, and lets exactly that many of a crowd in', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await presence.join('FUL-000-001', `n#${i}`, `a${i}`, 3)).status).toBe('joined');
    }
    expect(await presence.join('FUL-000-001', 'n#9', 'late', 3)).toEqual({ status: 'full' });
    expect((await presence.join('FUL-000-001', 'n#0', 'a0', 3)).status).toBe('already');
    await presence.leave('FUL-000-001', 'n#1');
    expect((await presence.join('FUL-000-001', 'n#9', 'late', 3)).status).toBe('joined');
    const crowd = await Promise.all(
      Array.from({ length: 10 }, (_, i) => presence.join('RAC-000-002', `r#${i}`, `r${i}`, 4)),
    );
    expect(crowd.filter((o) => o.status === 'joined')).toHaveLength(4);
    expect(crowd.filter((o) => o.status === 'full')).toHaveLength(6);
    expect(await presence.count('RAC-000-002')).toBe(4);
  });

  it('lets exactly one of many racing connections take a name', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => presence.join('ABC-123-XYZ', `n#${i}`, 'Same')),
    );
    expect(outcomes.filter((o) => o.status === 'joined')).toHaveLength(1);
  });
});

describe.each(storeKinds())('room lifetime on %s', (kind) => {
  let under: StoresUnderTest;
  afterEach(() => under.cleanup());

  it('forgets a room that everyone left and that holds no message', async () => {
    under = await storesOf(kind);
    const { presence, rooms } = under.stores;
    const t0 = Date.now();
    for (let i = 0; i < 50; i++) {
      const room = `GON-E${String(i).padStart(2, '0')}-ROM`;
      await presence.join(room, 'n#1', 'Ghost');
      await rooms.touch(room, t0, t0 + 60_000);
      await presence.leave(room, 'n#1');
      expect(await rooms.createdAt(room, t0 + 1)).toBeNull();
    }
    if (under.redis) expect([...(await keyTtls(under.redis.url, under.redis.prefix)).keys()]).toEqual([]);
  });
});

describe.runIf(storeKinds().includes('redis'))('Redis presence keys', () => {
  let under: StoresUnderTest;
  afterEach(() => under.cleanup());

  it('never expire under a live member while its node beats', async () => {
    under = await storesOf('redis', { presenceTtlMs: 400 });
    const { presence } = under.stores;
    await presence.join('LIV-EME-MBR', `${await nodeIdOf(under)}#a`, 'alice');
    const until = Date.now() + 1_500;
    while (Date.now() < until) {
      await presence.heartbeat(Date.now());
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await presence.participants('LIV-EME-MBR')).toEqual(['alice']);
    expect(await presence.join('LIV-EME-MBR', 'other#b', 'alice')).toEqual({ status: 'taken' });
  });

  it("each carry a TTL, and the shared counts and the node's room list shrink on leave", async () => {
    under = await storesOf('redis', { presenceTtlMs: 60_000 });
    const { presence } = under.stores;
    const node = await nodeIdOf(under);
    await presence.heartbeat(Date.now());
    await presence.join('AAA-111-AAA', `${node}#a`, 'Ghost');
    await presence.join('BBB-222-BBB', `${node}#a`, 'Ghost');
    const ttls = await keyTtls(under.redis!.url, under.redis!.prefix);
    expect([...ttls.values()].every((ttl) => ttl > 0 && ttl <= 60_000)).toBe(true);
    expect([...ttls.keys()].sort()).toEqual(
      [
        'nodes',
        `node:${node}:room-counts`,
        'presence:rooms',
        'presence:total',
        ...['AAA-111-AAA', 'BBB-222-BBB'].flatMap((r) => [`presence:${r}:agents`, `presence:${r}:connections`]),
      ].sort(),
    );
    await presence.leave('AAA-111-AAA', `${node}#a`);
    await presence.leave('BBB-222-BBB', `${node}#a`);
    expect([...(await keyTtls(under.redis!.url, under.redis!.prefix)).keys()]).toEqual(['nodes']);
  });
});

/** The node id the stores under test beat for (what their connection ids must start with). */
async function nodeIdOf(under: StoresUnderTest): Promise<string> {
  await under.stores.presence.heartbeat(Date.now());
  const ttls = await keyTtls(under.redis!.url, under.redis!.prefix);
  expect(ttls.has('nodes')).toBe(true);
  const { createClient } = await import('redis');
  const client = createClient({ url: under.redis!.url });
  await client.connect();
  const [node] = await client.zRange(`${under.redis!.prefix}nodes`, 0, 0);
  await client.close();
  return node!;
}

describe.runIf(storeKinds().includes('redis'))('Redis presence across nodes', () => {
  let under: StoresUnderTest;
  let presence: PresenceStore;
  beforeEach(async () => {
    under = await storesOf('redis', { nodeTimeoutMs: 1_000 });
    presence = under.stores.presence;
  });
  afterEach(() => under.cleanup());

  it('reaps the connections of a node that stopped beating, once', async () => {
    const dead = await under.peer('deadnode');
    const alive = await under.peer('alivenode');
    const start = Date.now();
    await dead.presence.heartbeat(start);
    await alive.presence.heartbeat(start);
    await dead.presence.join('ABC-123-XYZ', 'deadnode#a', 'Ghost');
    await alive.presence.join('ABC-123-XYZ', 'alivenode#b', 'Shadow');
    expect(await alive.presence.reapDeparted(start + 500)).toEqual([]);
    await alive.presence.heartbeat(start + 2_000);
    const reaped = await Promise.all([
      alive.presence.reapDeparted(start + 2_000),
      presence.reapDeparted(start + 2_000),
    ]);
    expect(reaped.flat()).toEqual([{ roomToken: 'ABC-123-XYZ', agentId: 'Ghost' }]);
    expect(await presence.participants('ABC-123-XYZ')).toEqual(['Shadow']);
    expect(await presence.totals()).toEqual({ activeRooms: 1, totalParticipants: 1 });
  });

  it("takes a dead node's connections out at once when told, without waiting for its heartbeats, once", async () => {
    const dead = await under.peer('deadworker');
    const alive = await under.peer('aliveworker');
    const now = Date.now();
    await dead.presence.heartbeat(now);
    await dead.presence.join('ABC-123-XYZ', 'deadworker#a', 'Ghost');
    await dead.presence.join('DEF-456-UVW', 'deadworker#a', 'Ghost');
    await alive.presence.join('ABC-123-XYZ', 'aliveworker#b', 'Shadow');
    // Its heartbeat is fresh: only being told it died takes it out. Two survivors told at once
    // report each departure once between them.
    const told = await Promise.all([alive.presence.removeNode('deadworker'), presence.removeNode('deadworker')]);
    expect(told.flat().sort((a, b) => a.roomToken.localeCompare(b.roomToken))).toEqual([
      { roomToken: 'ABC-123-XYZ', agentId: 'Ghost' },
      { roomToken: 'DEF-456-UVW', agentId: 'Ghost' },
    ]);
    expect(await presence.participants('ABC-123-XYZ')).toEqual(['Shadow']);
    expect(await presence.totals()).toEqual({ activeRooms: 1, totalParticipants: 1 });
    expect(await alive.presence.reapDeparted(now + 60_000)).toEqual([]);
  });
});
