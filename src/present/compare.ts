// `lab compare` on a terminal: one table, a row per scheme (cli-table3), and the JSON of `--json`.
import type { CompareJson, CompareResult, CompareRow } from '../lab/compare/types.js';
import { table } from './output.js';

/** The table's columns: heading and cell of a row. */
export const COMPARE_COLUMNS: [string, (r: CompareRow) => string][] = [
  ['scheme', (r) => r.scheme],
  ['req/s', (r) => r.throughput_rps.toFixed(0)],
  ['p50 ms', (r) => r.latency_ms.p50.toFixed(2)],
  ['p99 ms', (r) => r.latency_ms.p99.toFixed(2)],
  ['added p50 ms', (r) => (r.added_p50_ms === null ? '-' : r.added_p50_ms.toFixed(2))],
  ['conn/req', (r) => String(r.connections_per_request)],
  ['DNS/req', (r) => String(r.dns_queries_per_request)],
  ['state peak', (r) => String(r.dispatcher_state_peak)],
  ['bytes/byte', (r) => r.dispatcher_bytes_per_byte.toFixed(3)],
  ['own errors', (r) => String(r.failure.own_clients_errors)],
  ['others errors', (r) => String(r.failure.other_clients_errors)],
  ['served again ms', (r) => (r.failure.recovered_ms === null ? 'never' : String(r.failure.recovered_ms))],
  ['FTP PASV', (r) => (r.ftp.passive ? 'yes' : 'no')],
  ['FTP PORT', (r) => (r.ftp.active ? 'yes' : 'no')],
  ['one address', (r) => (r.single_address ? 'yes' : 'no')],
];

export function compareTable(rows: CompareRow[]): string {
  return table(COMPARE_COLUMNS.map(([h]) => h), rows.map((r) => COMPARE_COLUMNS.map(([, cell]) => cell(r))));
}

/** `--json`: exactly {rows}. */
export function compareJson(r: CompareResult): CompareJson {
  return { rows: r.rows };
}

export function printCompare(r: CompareResult): void {
  const s = r.settings;
  const lines = [
    compareTable(r.rows),
    `${s.servers} servers, ${s.durationMs / 1000} s per run, steady ${s.rate} req/s, failure ${s.failure}${s.shape ? `, dispatcher LAN shaped to ${s.shape}` : ''}, ${s.backend} backend`,
    ...r.details.flatMap((d) => d.verdicts.filter((v) => !v.pass).map((v) => `${d.scheme}: ${v.name}: ${v.detail}`)),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
