// A tiny DNS client over UDP (RFC 1035): one query for NAME TYPE, the answer's TXT strings or A addresses; CLI to ask from many source addresses.
import { createSocket } from 'node:dgram';
import { parseArgs } from 'node:util';
import { isMainModule } from '../util/main-module.js';

const TYPES = { A: 1, TXT: 16 } as const;
export type QueryType = keyof typeof TYPES;

export interface DnsAnswer {
  /** DNS response code: 0 NOERROR, 3 NXDOMAIN, 5 REFUSED ... */
  rcode: number;
  /** TXT strings (each record's strings joined) or A addresses */
  answers: string[];
}

export function encodeQuery(id: number, name: string, type: QueryType): Buffer {
  const labels = name.replace(/\.$/, '').split('.').map((l) => Buffer.concat([Buffer.from([Buffer.byteLength(l)]), Buffer.from(l)]));
  const head = Buffer.alloc(12);
  head.writeUInt16BE(id, 0);
  head.writeUInt16BE(0x0100, 2); // recursion desired
  head.writeUInt16BE(1, 4); // one question
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(TYPES[type], 0);
  tail.writeUInt16BE(1, 2); // class IN
  return Buffer.concat([head, ...labels, Buffer.from([0]), tail]);
}

/** The offset just past a (possibly compressed) name at `at`. */
function skipName(m: Buffer, at: number): number {
  for (;;) {
    const len = m[at]!;
    if (len === 0) return at + 1;
    if ((len & 0xc0) === 0xc0) return at + 2;
    at += len + 1;
  }
}

export function decodeAnswer(m: Buffer, id: number): DnsAnswer {
  if (m.length < 12 || m.readUInt16BE(0) !== id) throw new Error('not the answer to our query');
  const rcode = m[3]! & 0x0f;
  const qd = m.readUInt16BE(4);
  const an = m.readUInt16BE(6);
  let at = 12;
  for (let i = 0; i < qd; i++) at = skipName(m, at) + 4;
  const answers: string[] = [];
  for (let i = 0; i < an; i++) {
    at = skipName(m, at);
    const type = m.readUInt16BE(at);
    const len = m.readUInt16BE(at + 8);
    const data = m.subarray(at + 10, at + 10 + len);
    at += 10 + len;
    if (type === TYPES.A && len === 4) answers.push([...data].join('.'));
    if (type === TYPES.TXT) {
      const parts: string[] = [];
      for (let p = 0; p < data.length; p += data[p]! + 1) parts.push(data.subarray(p + 1, p + 1 + data[p]!).toString());
      answers.push(parts.join(''));
    }
  }
  return { rcode, answers };
}

/** One query from `from` (any local address; undefined: the kernel's choice) to server:port; rejects on timeout. */
export function dnsQuery(server: string, port: number, name: string, type: QueryType, timeoutMs: number, from?: string): Promise<DnsAnswer> {
  const id = Math.floor(Math.random() * 0xffff);
  const socket = createSocket('udp4');
  return new Promise<DnsAnswer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
    socket.on('error', (e) => reject(e));
    socket.on('message', (m) => {
      try {
        resolve(decodeAnswer(m, id));
      } catch {
        /* a stray datagram: keep waiting */
      }
    });
    socket.bind({ port: 0, ...(from ? { address: from } : {}) }, () => socket.send(encodeQuery(id, name, type), port, server));
    socket.once('close', () => clearTimeout(timer));
  }).finally(() => socket.close());
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { server: { type: 'string' }, port: { type: 'string', default: '53' }, name: { type: 'string' }, type: { type: 'string', default: 'TXT' }, from: { type: 'string' }, timeout: { type: 'string', default: '2000' } } });
  if (!values.server || !values.name || !(values.type! in TYPES)) {
    console.error('dns-query: --server ADDRESS --name NAME [--type TXT|A] [--from A,B,C] [--timeout MS] are required');
    process.exit(2);
  }
  // one at a time, one line each: {"from": ..., "rcode": 0, "answers": [...]} or {"from": ..., "error": ...}
  for (const from of values.from ? values.from.split(',') : [undefined]) {
    const line = await dnsQuery(values.server, Number(values.port), values.name, values.type as QueryType, Number(values.timeout), from).then(
      (a) => ({ from, ...a }),
      (e: Error) => ({ from, error: (e as NodeJS.ErrnoException).code ?? e.message }),
    );
    console.log(JSON.stringify(line));
  }
}

if (isMainModule(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(`dns-query: ${(e as Error).message}`);
    process.exit(1);
  });
}
