import { BlockList, isIP } from 'node:net';
import { IPV6_PREFIX_BITS } from '../defaults.js';

/**
 * Who a request or a handshake comes from. The peer of the TCP connection, unless that peer is a
 * trusted proxy (TRUSTED_PROXIES): then X-Forwarded-For is read from the right, each hop appended
 * by a trusted proxy, and the first address not trusted is the client. Without trusted proxies the
 * header is never read, so a client cannot choose the address it is counted under.
 */
export class ClientAddresses {
  private readonly trusted = new BlockList();
  private readonly any: boolean;

  constructor(trustedProxies: readonly string[]) {
    for (const entry of trustedProxies) {
      const [address = '', prefix] = entry.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (prefix === undefined) this.trusted.addAddress(address, family);
      else this.trusted.addSubnet(address, Number(prefix), family);
    }
    this.any = trustedProxies.length > 0;
  }

  /** The client's address as counted: IPv4, or the /64 of an IPv6 address ('' when unknown). */
  resolve(peer: string | undefined, forwardedFor: string | string[] | undefined): string {
    let client = unmapped(peer ?? '');
    if (this.any && forwardedFor !== undefined && this.isTrusted(client)) {
      const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',');
      for (let i = hops.length - 1; i >= 0; i--) {
        const hop = unmapped(hops[i]!.trim());
        if (isIP(hop) === 0) break;
        client = hop;
        if (!this.isTrusted(hop)) break;
      }
    }
    return addressGroup(client);
  }

  private isTrusted(address: string): boolean {
    const family = isIP(address);
    return family !== 0 && this.trusted.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/** `::ffff:1.2.3.4` (an IPv4 client on a dual-stack socket) is 1.2.3.4. */
function unmapped(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

/** The unit an address is counted in: IPv4 addresses one by one, IPv6 by /64. */
export function addressGroup(address: string): string {
  if (isIP(address) !== 6) return address;
  const groups = expandIpv6(address.split('%')[0]!);
  const keep = IPV6_PREFIX_BITS / 16;
  return `${groups.slice(0, keep).join(':')}::/${IPV6_PREFIX_BITS}`;
}

/** The eight 16-bit groups of an IPv6 address, as lower-case hex without leading zeros. */
function expandIpv6(address: string): string[] {
  const [head = '', tail] = address.split('::');
  const part = (s: string) => (s === '' ? [] : s.split(':'));
  const toGroups = (parts: string[]) =>
    parts.flatMap((p) => {
      if (!p.includes('.')) return [p];
      const [a, b, c, d] = p.split('.').map(Number) as [number, number, number, number];
      return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
    });
  const left = toGroups(part(head));
  const right = tail === undefined ? [] : toGroups(part(tail));
  const zeros = Array.from({ length: 8 - left.length - right.length }, () => '0');
  return [...left, ...zeros, ...right].map((g) => parseInt(g, 16).toString(16));
}
