// The user's own service on every server (topology `server: {command, port, protocol, health}`): its spec and the placeholders of its command.

/** How watchd and `lab up` tell the service answers: a TCP connect, an HTTP GET, or a DNS query (UDP, or TCP for a TCP service). */
export type ServiceHealth = { kind: 'tcp' } | { kind: 'http'; path: string } | { kind: 'dns'; name: string; type: 'TXT' | 'A' };

export interface UserService {
  /** argv run on every server, placeholders expanded */
  command: string[];
  port: number;
  protocol: 'tcp' | 'udp';
  health: ServiceHealth;
}

/** What a placeholder in the command stands for on one server. */
export interface ServiceVars {
  /** the server's name: s0, s1, ... */
  name: string;
  /** its index in S0..S(n-1) */
  index: number;
  /** its primary (LAN) address */
  address: string;
  ghost: string;
  port: number;
  lab: string;
  /** a folder of the lab this server may write (pid files, config) */
  dir: string;
}

export const PLACEHOLDERS: readonly (keyof ServiceVars)[] = ['name', 'index', 'address', 'ghost', 'port', 'lab', 'dir'];

/** The placeholders an argument names ({name}, {address}, ...), known or not. */
export function placeholdersIn(arg: string): string[] {
  return [...arg.matchAll(/\{([a-z]+)\}/g)].map((m) => m[1]!);
}

/** The command for one server: every {placeholder} replaced by its value. */
export function expandCommand(command: string[], vars: ServiceVars): string[] {
  return command.map((arg) => arg.replace(/\{([a-z]+)\}/g, (whole, key: string) => ((PLACEHOLDERS as readonly string[]).includes(key) ? String(vars[key as keyof ServiceVars]) : whole)));
}
