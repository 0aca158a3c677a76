// Following one HTTP redirect (the redirect scheme): where a Location may lead (lab networks only), the second request, and the tally of connections per request.
import { cidrContains, ipToInt, isIpv4, parseCidr, type Cidr } from '../net/ipv4.js';

/** Statuses whose Location the generator follows (once). */
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** Where a followed redirect goes: a connection of its own to host:port, one request with Connection: close. */
export interface RedirectTarget {
  host: string;
  port: number;
  path: string;
  request: Buffer;
}

/** Why a Location is not followed: the request counts as an error of kind "other" with this code. */
export type RedirectRefusal = { error: 'REDIRECT_OUTSIDE_LAB' | 'REDIRECT_BAD_LOCATION' | 'REDIRECT_NOT_IPV4' };

/** The networks a Location may point into (the lab's: LAN, client link, ghost); nothing else is ever connected to. */
export class RedirectPolicy {
  readonly networks: Cidr[];

  constructor(networks: string[]) {
    if (networks.length === 0) throw new RangeError('needs at least one network (CIDR) a redirect may lead into');
    this.networks = networks.map((n) => parseCidr(n.includes('/') ? n : `${n}/32`));
  }

  allows(host: string): boolean {
    return isIpv4(host) && this.networks.some((c) => cidrContains(c, ipToInt(host)));
  }

  /** The target of a Location (absolute http://IPv4[:port]/path, or a path on `from`), or why it is refused. */
  target(location: string, from: { host: string; port: number }): RedirectTarget | RedirectRefusal {
    let host = from.host;
    let port = from.port;
    let path = location;
    if (!location.startsWith('/')) {
      const m = /^http:\/\/([^/:?#]+)(?::(\d{1,5}))?(\/[\x21-\x7e]*)?$/i.exec(location);
      if (!m) return { error: 'REDIRECT_BAD_LOCATION' };
      host = m[1]!;
      port = m[2] === undefined ? 80 : Number(m[2]);
      path = m[3] ?? '/';
      if (!isIpv4(host)) return { error: 'REDIRECT_NOT_IPV4' };
      if (port < 1 || port > 65535) return { error: 'REDIRECT_BAD_LOCATION' };
    } else if (!/^\/[\x21-\x7e]*$/.test(location)) return { error: 'REDIRECT_BAD_LOCATION' };
    if (!this.allows(host)) return { error: 'REDIRECT_OUTSIDE_LAB' };
    const hostHeader = port === 80 ? host : `${host}:${port}`;
    const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${hostHeader}\r\nConnection: close\r\n\r\n`, 'latin1');
    return { host, port, path, request };
  }
}

/** "10.0.1.0/24,10.0.0.100" (the --follow-redirects flag) -> a policy; throws RangeError on a bad network. */
export function parseFollowRedirects(text: string): RedirectPolicy {
  const nets = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of nets) parseCidr(n.includes('/') ? n : `${n}/32`);
  return new RedirectPolicy(nets);
}

/** Finished requests by the number of connections each used (1; 2 when a redirect was followed). */
export type ConnectionsPerRequestCounts = Record<string, number>;

export function mergeConnectionCounts(parts: (ConnectionsPerRequestCounts | undefined)[]): ConnectionsPerRequestCounts {
  const out: ConnectionsPerRequestCounts = {};
  for (const p of parts) for (const [k, v] of Object.entries(p ?? {})) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** The mean number of connections per finished request (3 decimals), null when none finished. */
export function connectionsPerRequest(counts: ConnectionsPerRequestCounts): number | null {
  let n = 0;
  let sum = 0;
  for (const [k, v] of Object.entries(counts)) {
    n += v;
    sum += Number(k) * v;
  }
  return n === 0 ? null : Math.round((sum / n) * 1000) / 1000;
}
