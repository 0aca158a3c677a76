// Linux jhash (include/linux/jhash.h, Bob Jenkins' lookup3) of an IPv4 address, as nftables' `jhash ip saddr` computes it.

/** JHASH_INITVAL in include/linux/jhash.h */
export const JHASH_INITVAL = 0xdeadbeef;

function rol32(word: number, shift: number): number {
  return ((word << shift) | (word >>> (32 - shift))) >>> 0;
}

/** __jhash_final(a, b, c); returns the final c. */
function jhashFinal(a: number, b: number, c: number): number {
  c = (c ^ b) >>> 0; c = (c - rol32(b, 14)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rol32(c, 11)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rol32(a, 25)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rol32(b, 16)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rol32(c, 4)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rol32(a, 14)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rol32(b, 24)) >>> 0;
  return c;
}

/**
 * jhash(key, 4, initval) where key is the 4 bytes of `addr` in network byte order (how the
 * address sits in the packet and in the nft register). For length 4 the kernel skips the mixing
 * loop and adds k[0] | k[1]<<8 | k[2]<<16 | k[3]<<24 to a, i.e. the byte-swapped address.
 */
export function jhashIpv4(addr: number, initval: number): number {
  const ip = addr >>> 0;
  const init = (JHASH_INITVAL + 4 + (initval >>> 0)) >>> 0;
  let a = init;
  const b = init;
  const c = init;
  const k0 = ip >>> 24;
  const k1 = (ip >>> 16) & 0xff;
  const k2 = (ip >>> 8) & 0xff;
  const k3 = ip & 0xff;
  a = (a + (k0 | (k1 << 8) | (k2 << 16) | ((k3 << 24) >>> 0))) >>> 0;
  return jhashFinal(a, b, c);
}

/** reciprocal_scale(val, ep_ro) from include/linux/math.h: (u32)(((u64) val * ep_ro) >> 32). */
export function reciprocalScale(val: number, range: number): number {
  const v = val >>> 0;
  const r = range >>> 0;
  // v * r is exact in a double while it stays below 2^53.
  if (r <= 0x1fffff) return Math.floor((v * r) / 0x100000000);
  return Number((BigInt(v) * BigInt(r)) >> 32n);
}
