// The FTP check of `lab compare`: curl in the client node, bound to population addresses, forced to the 1997 commands (PASV, PORT), fetches the servers' file through the published address.
import { cidrSize, intToIp, parseCidr } from '../../net/ipv4.js';
import { FTP_FILE } from '../../server/ftp-config.js';
import type { RunningLab } from '../running-lab.js';

/** curl's flags per FTP mode: no EPSV/EPRT, and the address of the PASV reply used as it is. */
export const FTP_MODES = {
  passive: ['--disable-epsv', '--no-ftp-skip-pasv-ip'],
  active: ['--disable-eprt', '-P', '-'],
} as const;

export type FtpMode = keyof typeof FTP_MODES;

/** The first `n` addresses of the population (one per server under CA mod n), as the clients of the check. */
export function ftpClients(population: string, n: number): string[] {
  const c = parseCidr(population);
  return Array.from({ length: Math.min(n, cidrSize(c) - 2) }, (_, i) => intToIp(c.base + 1 + i));
}

/** The curl command line of one fetch. */
export function ftpCurlArgv(mode: FtpMode, client: string, target: string): string[] {
  return ['curl', '-sS', '--max-time', '10', '--interface', client, ...FTP_MODES[mode], `ftp://${target}/${FTP_FILE}`];
}

export interface FtpOutcome {
  client: string;
  ok: boolean;
  /** the server that sent the file (its content), or curl's error */
  detail: string;
}

/** Fetches the file from each client in turn; the mode works when every fetch returns a server's name. */
export async function checkFtp(lab: RunningLab, mode: FtpMode, clients: string[]): Promise<{ ok: boolean; outcomes: FtpOutcome[] }> {
  const t = lab.state.topology;
  const names = new Set(t.servers.map((s) => s.name));
  const outcomes: FtpOutcome[] = [];
  for (const client of clients) {
    const r = await lab.backend.exec(t.client.name, ftpCurlArgv(mode, client, t.ghost), { timeoutMs: 15_000 });
    const body = r.stdout.trim();
    const ok = r.exitCode === 0 && names.has(body);
    outcomes.push({ client, ok, detail: ok ? body : `exit ${r.exitCode}: ${(r.stderr || body).trim().slice(0, 200)}` });
  }
  return { ok: outcomes.length > 0 && outcomes.every((o) => o.ok), outcomes };
}
