// HTTP probe run inside a lab node: GETs each URL (optionally from a given source address) and prints one JSON line per URL.
import { request } from 'node:http';
import { parseArgs } from 'node:util';

export interface ProbeResult {
  url: string;
  from?: string;
  ok: boolean;
  status?: number;
  servedBy?: string;
  body?: string;
  error?: string;
}

function probe(url: string, from: string | undefined, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const req = request(url, { localAddress: from, timeout: timeoutMs, agent: false, headers: { connection: 'close' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString().trim();
        resolve({ url, from, ok: res.statusCode === 200, status: res.statusCode, servedBy: String(res.headers['x-served-by'] ?? ''), body });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ url, from, ok: false, error: (e as NodeJS.ErrnoException).code ?? e.message }));
    req.end();
  });
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { from: { type: 'string' }, timeout: { type: 'string', default: '2000' }, concurrency: { type: 'string', default: '32' } },
  });
  // URLs given as positionals; `--from a,b,c` pairs each source address with the single URL
  const froms = values.from ? values.from.split(',') : [undefined];
  const jobs = positionals.flatMap((url) => froms.map((from) => ({ url, from })));
  const results: ProbeResult[] = new Array(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await probe(jobs[i]!.url, jobs[i]!.from, Number(values.timeout));
    }
  };
  await Promise.all(Array.from({ length: Math.min(Number(values.concurrency), jobs.length) }, worker));
  for (const r of results) console.log(JSON.stringify(r));
}

void main();
