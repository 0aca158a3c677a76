// IPv4 address and prefix arithmetic on unsigned 32-bit numbers (the paper's CA).
import ipaddr from 'ipaddr.js';

export interface Cidr {
  /** network address as an unsigned 32-bit number */
  base: number;
  prefixLength: number;
}

/** True when `text` is a dotted-quad IPv4 address in canonical four-part form. */
export function isIpv4(text: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(text);
}

/** The address as an unsigned 32-bit number: 10.0.0.1 -> 167772161. */
export function ipToInt(text: string): number {
  if (!isIpv4(text)) throw new RangeError(`not an IPv4 address: "${text}"`);
  const [a, b, c, d] = ipaddr.IPv4.parse(text).octets;
  return ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
}

export function intToIp(n: number): string {
  const v = n >>> 0;
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
}

export function maskOf(prefixLength: number): number {
  return prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
}

const WITH_PREFIX = /^([0-9.]+)\/(\d{1,2})$/;

/** Whether text is "a.b.c.d/len": an address (host bits allowed, as on an interface) and a prefix length 0..32. */
export function isIpv4WithPrefix(text: string): boolean {
  const m = WITH_PREFIX.exec(text);
  return !!m && isIpv4(m[1]!) && Number(m[2]) <= 32;
}

/** Parses "a.b.c.d/len"; the address must be the network address itself. */
export function parseCidr(text: string): Cidr {
  const m = WITH_PREFIX.exec(text);
  if (!m || !isIpv4WithPrefix(text)) throw new RangeError(`not an IPv4 prefix (a.b.c.d/len): "${text}"`);
  const prefixLength = Number(m[2]);
  const addr = ipToInt(m[1]!);
  const base = (addr & maskOf(prefixLength)) >>> 0;
  if (base !== addr) throw new RangeError(`"${text}" has host bits set; the prefix is ${intToIp(base)}/${prefixLength}`);
  return { base, prefixLength };
}

export function cidrText(c: Cidr): string {
  return `${intToIp(c.base)}/${c.prefixLength}`;
}

export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefixLength);
}

export function cidrContains(c: Cidr, ip: number): boolean {
  return ((ip & maskOf(c.prefixLength)) >>> 0) === c.base;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  const p = Math.min(a.prefixLength, b.prefixLength);
  return ((a.base & maskOf(p)) >>> 0) === ((b.base & maskOf(p)) >>> 0);
}

/** The n-th address of a prefix (0 is the network address). */
export function nthAddress(c: Cidr, n: number): number {
  if (n < 0 || n >= cidrSize(c)) throw new RangeError(`address #${n} is outside ${cidrText(c)}`);
  return (c.base + n) >>> 0;
}

/** Broadcast address of a prefix. */
export function broadcastOf(c: Cidr): number {
  return (c.base + cidrSize(c) - 1) >>> 0;
}
