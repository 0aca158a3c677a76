// A node's plan sysctls as a compose service's `sysctls:` (all networks exist at start, numbered eth0.. in no fixed order), and shell checks of them.
import type { NodeSpec } from '../backends/backend.js';
import { containerSysctls, dottedKey } from '../backends/docker/sysctls.js';
import { shq } from '../backends/common/shell-quote.js';
import { UsageError } from '../util/errors.js';

const PER_INTERFACE = /^net\.(ipv4|ipv6)\.(conf|neigh)\.([^.]+)\.(.+)$/;

/** A topology whose plan cannot be written as a compose file. */
export class ComposeError extends UsageError {
  override name = 'ComposeError';
}

/**
 * The service's sysctls, keys sorted. Unlike the Docker backend (which connects a node's later networks after start,
 * so they take `default`), compose connects every network of a service before it starts: all its interfaces exist
 * when runc writes the sysctls, named eth0, eth1, ... in an order Docker does not fix (a map walk at start). So:
 * - global, `all` and `default` keys are kept as they are, over the Docker backend's baseline (IPv6 off, no forwarding);
 * - a per-interface key of a node with one interface names eth0;
 * - a per-interface key of a node with several interfaces is written for every ethN, and only when the plan gives
 *   it the same value on every interface of the node; otherwise it cannot be expressed and is refused.
 */
export function composeSysctls(node: NodeSpec): Record<string, string> {
  const out: Record<string, string> = containerSysctls({ ...node, interfaces: [], sysctls: {} });
  const entries = Object.entries(node.sysctls).map(([k, v]) => [dottedKey(k), String(v)] as const);
  const perInterface = new Map<string, Map<string, string>>();
  for (const [key, value] of entries) {
    const m = PER_INTERFACE.exec(key);
    if (!m || m[3] === 'all' || m[3] === 'default') {
      out[key] = value;
      continue;
    }
    const [, family, kind, ifname, param] = m;
    if (!node.interfaces.some((i) => i.name === ifname)) throw new ComposeError(`${node.name}: sysctl ${key}: the node has no interface ${ifname}`);
    const generic = `net.${family}.${kind}.*.${param}`;
    const byIf = perInterface.get(generic) ?? new Map<string, string>();
    byIf.set(ifname!, value);
    perInterface.set(generic, byIf);
  }
  const n = node.interfaces.length;
  for (const [generic, byIf] of perInterface) {
    const values = new Set(byIf.values());
    if (n > 1 && (byIf.size !== n || values.size !== 1)) {
      const given = [...byIf].map(([i, v]) => `${generic.replace('*', i)}=${v}`).join(', ');
      throw new ComposeError(
        `${node.name}: ${given} cannot be written for compose: it connects all ${n} networks of a service before start ` +
          'and Docker numbers their interfaces in no fixed order, so a per-interface value must be the same on every interface',
      );
    }
    const [value] = values as Set<string> & { size: 1 };
    for (let i = 0; i < n; i++) out[generic.replace('*', `eth${i}`)] = value!;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Shell lines that check, once interfaces carry their lab names, every kernel parameter the plan states
 * (/proc/sys is read-only in a container: a wrong value can only be reported, and stops the node).
 */
export function sysctlCheckLines(sysctls: Record<string, string>): string[] {
  const dotted = new Map(Object.entries(sysctls).map(([k, v]) => [dottedKey(k), String(v)]));
  const keys = [...dotted.keys()].sort();
  if (keys.length === 0) return [];
  const lines = [
    'want() { v=$(cat "/proc/sys/$1") && [ "$v" = "$2" ] || { echo "oneip-lab: sysctl $1 is ${v:-missing}, the plan needs $2" >&2; exit 1; }; }',
  ];
  for (const key of keys) lines.push(`want ${shq(key.replace(/\./g, '/'))} ${shq(dotted.get(key)!)}`);
  return lines;
}
