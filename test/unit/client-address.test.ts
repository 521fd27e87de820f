import { describe, expect, it } from 'vitest';
import { ClientAddresses, addressGroup } from '../../src/lib/client-address.js';

describe('ClientAddresses', () => {
  it('takes the peer and ignores X-Forwarded-For when no proxy is trusted', () => {
    const addresses = new ClientAddresses([]);
    expect(addresses.resolve('198.51.100.4', '203.0.113.1')).toBe('198.51.100.4');
    expect(addresses.resolve('::ffff:198.51.100.4', undefined)).toBe('198.51.100.4');
    expect(addresses.resolve(undefined, undefined)).toBe('');
  });

  it('walks X-Forwarded-For from the right through trusted proxies only', () => {
    const addresses = new ClientAddresses(['10.0.0.0/8', '192.0.2.1', 'fd00::/8']);
    expect(addresses.resolve('10.1.1.1', '203.0.113.1')).toBe('203.0.113.1');
    expect(addresses.resolve('10.1.1.1', '198.51.100.9, 203.0.113.1, 192.0.2.1')).toBe('203.0.113.1');
    expect(addresses.resolve('10.1.1.1', ['198.51.100.9', '203.0.113.1'])).toBe('203.0.113.1');
    expect(addresses.resolve('fd00::1', '203.0.113.1')).toBe('203.0.113.1');
    // Not from a trusted proxy: the header is not read at all.
    expect(addresses.resolve('198.51.100.4', '203.0.113.1')).toBe('198.51.100.4');
    // Garbage in the header stops the walk at the last address that was believed.
    expect(addresses.resolve('10.1.1.1', 'not-an-ip')).toBe('10.1.1.1');
    expect(addresses.resolve('10.1.1.1', '203.0.113.1, junk, 10.2.2.2')).toBe('10.2.2.2');
  });

  it('counts IPv6 clients per /64', () => {
    expect(addressGroup('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(addressGroup('2001:db8:1:2::9')).toBe('2001:db8:1:2::/64');
    expect(addressGroup('2001:DB8::1')).toBe('2001:db8:0:0::/64');
    expect(addressGroup('::1')).toBe('0:0:0:0::/64');
    expect(addressGroup('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressGroup('203.0.113.1')).toBe('203.0.113.1');
  });
});
