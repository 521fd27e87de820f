import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RoomStore } from '../../src/store/room-store.js';
import { storesOf, type StoresUnderTest } from '../helpers/store-factory.js';
import { storeKinds } from '../helpers/stores.js';

describe.each(storeKinds())('RoomStore contract on %s', (kind) => {
  let under: StoresUnderTest;
  let rooms: RoomStore;
  beforeEach(async () => {
    under = await storesOf(kind);
    rooms = under.stores.rooms;
  });
  afterEach(() => under.cleanup());

  it('remembers when a room was first opened while it is kept', async () => {
    const t0 = Date.now();
    expect(await rooms.createdAt('ABC-123-XYZ', t0)).toBeNull();
    expect(await rooms.touch('ABC-123-XYZ', t0, t0 + 60_000)).toBe(t0);
    expect(await rooms.touch('ABC-123-XYZ', t0 + 1_000, t0 + 2_000)).toBe(t0);
    expect(await rooms.createdAt('ABC-123-XYZ', t0 + 30_000)).toBe(t0);
  });

  it('forgets a room once nothing keeps it', async () => {
    const t0 = Date.now();
    await rooms.touch('ABC-123-XYZ', t0, t0 + 200);
    await new Promise((r) => setTimeout(r, 300));
    expect(await rooms.createdAt('ABC-123-XYZ', Date.now())).toBeNull();
    const later = Date.now();
    expect(await rooms.touch('ABC-123-XYZ', later, later + 60_000)).toBe(later);
  });
});
