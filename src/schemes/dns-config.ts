// The configuration text of the dns scheme's real servers: BIND's named.conf and zone, the nsupdate that sets the name's records, Unbound's config.
import type { DnsSpec } from '../topology/types.js';

/** The folder placeholder of a process step (NODE_DIR): the lab puts the node's own folder there. */
const DIR = '{dir}';

/** The name server's host name in its own zone (its NS record). */
export function nameServerHost(dns: DnsSpec): string {
  return `nameserver.${dns.zone}`;
}

/** The zone file BIND starts from: SOA, NS, and the service's name with every server's address. */
export function zoneFile(dns: DnsSpec, nameServer: string, addresses: string[]): string {
  const ns = nameServerHost(dns);
  return [
    `$TTL ${dns.ttl}`,
    // refresh, retry, expire, negative-answer TTL: only the last matters (no secondaries); kept as short as the TTL
    `${dns.zone}. IN SOA ${ns}. hostmaster.${dns.zone}. 1 60 60 3600 ${dns.ttl}`,
    `${dns.zone}. IN NS ${ns}.`,
    `${ns}. IN A ${nameServer}`,
    ...addresses.map((a) => `${dns.name}. ${dns.ttl} IN A ${a}`),
  ].join('\n');
}

/** named.conf: authoritative only, answers rotated (cyclic), dynamic updates from the node itself only. */
export function namedConf(dns: DnsSpec, listen: string): string {
  return [
    'options {',
    `  directory "${DIR}";`,
    `  pid-file "${DIR}/named.pid";`,
    `  session-keyfile "${DIR}/session.key";`,
    `  managed-keys-directory "${DIR}";`,
    `  listen-on port 53 { 127.0.0.1; ${listen}; };`,
    '  listen-on-v6 { none; };',
    '  recursion no;',
    '  allow-query { any; };',
    '  dnssec-validation no;',
    '  notify no;',
    '  // every answer starts one record further on: round robin (paper section 2)',
    '  rrset-order { order cyclic; };',
    '};',
    'controls { };',
    `zone "${dns.zone}" {`,
    '  type primary;',
    `  file "${DIR}/${dns.zone}.zone";`,
    '  // nsupdate from inside the node (the plan\'s dispatch step) withdraws and restores records',
    '  allow-update { 127.0.0.1; };',
    '};',
  ].join('\n');
}

/** The nsupdate input that makes the name's A records exactly `addresses`, in one update message (applied atomically). */
export function nsupdateText(dns: DnsSpec, addresses: string[]): string {
  return [
    'server 127.0.0.1 53',
    `zone ${dns.zone}.`,
    `update delete ${dns.name}. A`,
    ...addresses.map((a) => `update add ${dns.name}. ${dns.ttl} A ${a}`),
    'send',
  ].join('\n');
}

/** unbound.conf: a caching resolver on `listen` for the clients, asking the name server for the zone (a stub zone). */
export function unboundConf(dns: DnsSpec, listen: string, nameServer: string): string {
  const minTtl = dns.cache?.minTtl ?? 0;
  return [
    'server:',
    `  interface: ${listen}`,
    '  port: 53',
    '  do-ip6: no',
    '  access-control: 0.0.0.0/0 allow',
    '  username: ""',
    '  chroot: ""',
    `  directory: "${DIR}"`,
    `  pidfile: "${DIR}/unbound.pid"`,
    '  use-syslog: no',
    '  logfile: ""',
    '  num-threads: 1',
    '  module-config: "iterator"',
    '  qname-minimisation: no',
    `  # answers are kept at least this long, whatever their TTL (caches that ignore TTLs); 0: the TTL as given`,
    `  cache-min-ttl: ${minTtl}`,
    '  rrset-roundrobin: yes',
    `  domain-insecure: "${dns.zone}"`,
    'stub-zone:',
    `  name: "${dns.zone}"`,
    `  stub-addr: ${nameServer}`,
    'remote-control:',
    '  control-enable: no',
  ].join('\n');
}
