import { describe, expect, it } from 'vitest';
import { fromBase64Url, toBase64Url } from '../../src/client/e2e/base64url.js';
import { ReplayGuard } from '../../src/client/e2e/replay-guard.js';
import {
  newRoomSecret,
  newRoomToken,
  parseRoomFragment,
  roomLink,
  secretBytes,
} from '../../src/client/e2e/room-link.js';

describe('room links', () => {
  it('makes full-length ABC-123-XYZ tokens from all 36 characters, and 256-bit secrets', () => {
    const tokens = Array.from({ length: 400 }, () => newRoomToken());
    for (const token of tokens) expect(token).toMatch(/^[A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{3}$/);
    expect(new Set(tokens).size).toBe(tokens.length);
    const used = new Set(tokens.join('').replace(/-/g, ''));
    expect(used.size).toBe(36);
    const secret = newRoomSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(secretBytes(secret)?.length).toBe(32);
  });

  it('round-trips a link through its fragment', () => {
    const address = { roomToken: newRoomToken(), secret: newRoomSecret() };
    const link = roomLink('http://localhost:3001', address);
    expect(link).toBe(`http://localhost:3001/#/r/${address.roomToken}/${address.secret}`);
    expect(parseRoomFragment(new URL(link).hash)).toEqual(address);
    expect(parseRoomFragment(`#/r/${address.roomToken}`)).toEqual({ roomToken: address.roomToken, secret: null });
    expect(parseRoomFragment(`#/r/${address.roomToken.toLowerCase()}/`)).toEqual({
      roomToken: address.roomToken,
      secret: null,
    });
  });

  it('refuses fragments that are not a room, a malformed token or a secret of the wrong size', () => {
    const secret = newRoomSecret();
    for (const hash of [
      '',
      '#',
      '#/',
      '#/r/',
      `#/r/ABCD-123-XYZ/${secret}`,
      `#/r/ABC_123_XYZ/${secret}`,
      `#/r/ABC-123-XYZ/${secret.slice(1)}`,
      `#/r/ABC-123-XYZ/${secret}A`,
      `#/r/ABC-123-XYZ/${secret.slice(0, -1)}+`,
      `#/r/ABC-123-XYZ/${secret}/more`,
      `#/x/ABC-123-XYZ/${secret}`,
    ]) {
      expect(parseRoomFragment(hash), hash).toBeNull();
    }
  });
});

describe('base64url', () => {
  it('round-trips every byte value and refuses what is not base64url', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    for (let n = 0; n < 6; n++) expect(fromBase64Url(toBase64Url(all.subarray(n)))).toEqual(all.subarray(n));
    expect(toBase64Url(all)).toBe(Buffer.from(all).toString('base64url'));
    for (const bad of ['A', 'AB=', 'a+b/', 'ab cd']) expect(fromBase64Url(bad), bad).toBeNull();
  });
});

describe('ReplayGuard', () => {
  it('lets an id through once, and forgets the oldest past its capacity', () => {
    const guard = new ReplayGuard(2);
    expect(guard.firstSight('a')).toBe(true);
    expect(guard.firstSight('a')).toBe(false);
    expect(guard.firstSight('b')).toBe(true);
    expect(guard.firstSight('c')).toBe(true);
    expect(guard.firstSight('b')).toBe(false);
    expect(guard.firstSight('a')).toBe(true);
  });
});
