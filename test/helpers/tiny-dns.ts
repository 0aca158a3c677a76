// Test helper: a minimal authoritative DNS server on loopback UDP answering one name's A query with a rotated set of addresses and a TTL.
import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';

export interface TinyDns {
  port: number;
  /** queries answered so far */
  queries(): number;
  /** replaces the set of addresses (a withdrawn record) */
  set(addresses: string[]): void;
  close(): Promise<void>;
}

/** The question's end offset in a query (after QNAME, QTYPE and QCLASS). */
function questionEnd(msg: Buffer): number {
  let i = 12;
  while (msg[i]! !== 0) i += msg[i]! + 1;
  return i + 5;
}

function answer(query: Buffer, addresses: string[], ttl: number): Buffer {
  const end = questionEnd(query);
  const header = Buffer.from(query.subarray(0, 12));
  header.writeUInt16BE(0x8400, 2); // response, authoritative
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(addresses.length, 6);
  header.writeUInt16BE(0, 8);
  header.writeUInt16BE(0, 10);
  const records = addresses.map((a) => {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
    rr.writeUInt16BE(1, 2); // A
    rr.writeUInt16BE(1, 4); // IN
    rr.writeUInt32BE(ttl, 6);
    rr.writeUInt16BE(4, 10);
    a.split('.').forEach((o, i) => rr.writeUInt8(Number(o), 12 + i));
    return rr;
  });
  return Buffer.concat([header, query.subarray(12, end), ...records]);
}

/** Starts it on 127.0.0.1 (port 0: any); every answer starts one address further on (cyclic, as BIND's rrset-order). */
export async function startTinyDns(addresses: string[], ttl: number): Promise<TinyDns> {
  const socket: Socket = createSocket('udp4');
  let set = [...addresses];
  let count = 0;
  socket.on('message', (msg, from) => {
    const start = count++ % set.length;
    const rotated = [...set.slice(start), ...set.slice(0, start)];
    socket.send(answer(msg, rotated, ttl), from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return {
    port: (socket.address() as AddressInfo).port,
    queries: () => count,
    set: (a) => void (set = [...a]),
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
