// Maps a node's sysctls to HostConfig.Sysctls: /proc/sys is read-only in the container, so all are set at create/start.
//
// Per-interface keys (net.ipv4.conf.<if>.*, net.ipv4.neigh.<if>.*, same for ipv6) name interfaces that do not exist
// at create time. The backend creates a container on the network of its first interface only, which Docker always
// calls eth0 and creates before runc writes the sysctls: that interface's keys become net.*.eth0.*. Every later
// interface is connected after start, and a new interface takes the namespace's `default` values, so their keys
// become net.*.default.* (set at start, before they exist). Two later interfaces that need different values for one
// key cannot both be served: that is an error, as is a clash with an explicit `default` key of the spec.
// This works on every engine (local or ssh://), unlike writing /proc/sys from the host through nsenter.
import { BackendError, type NodeSpec } from '../backend.js';

const PER_INTERFACE = /^net\.(ipv4|ipv6)\.(conf|neigh)\.([^.]+)\.(.+)$/;

/**
 * Always set unless the spec says otherwise: the lab is IPv4 only (as the netns backend does), and a node forwards
 * only when its plan asks. A new namespace copies the host's IPv4 settings, and dockerd turns the host's
 * ip_forward on, so without this every node would forward.
 */
const BASELINE: Record<string, string> = {
  'net.ipv6.conf.all.disable_ipv6': '1',
  'net.ipv6.conf.default.disable_ipv6': '1',
  'net.ipv4.ip_forward': '0',
};

/** "net/ipv4/ip_forward" -> "net.ipv4.ip_forward" (interface names never hold dots: checkIfName refuses them). */
export function dottedKey(key: string): string {
  return key.includes('/') ? key.replace(/\//g, '.') : key;
}

/** The HostConfig.Sysctls of a node (interfaces in spec order: the first one is eth0 at start). */
export function containerSysctls(node: NodeSpec): Record<string, string> {
  const out: Record<string, string> = { ...BASELINE };
  /** which spec key set each output key, for messages */
  const origin = new Map<string, string>();
  const put = (key: string, value: string, from: string): void => {
    const prev = out[key];
    if (prev !== undefined && prev !== value && origin.has(key)) {
      throw new BackendError(
        `sysctls ${origin.get(key)}=${prev} and ${from}=${value} cannot both hold on Docker: ` +
          `interfaces after the first take their per-interface values from ${key}`,
        node.name,
      );
    }
    out[key] = value;
    origin.set(key, from);
  };
  const entries = Object.entries(node.sysctls).map(([k, v]) => [dottedKey(k), v] as const);
  // explicit all/default and global keys first, so the mapped ones below are checked against them
  for (const [key, value] of entries) {
    const m = PER_INTERFACE.exec(key);
    if (!m || m[3] === 'all' || m[3] === 'default') put(key, value, key);
  }
  for (const [key, value] of entries) {
    const m = PER_INTERFACE.exec(key);
    if (!m || m[3] === 'all' || m[3] === 'default') continue;
    const [, family, kind, ifname, param] = m;
    const index = node.interfaces.findIndex((i) => i.name === ifname);
    if (index < 0) throw new BackendError(`sysctl ${key}: the node has no interface ${ifname}`, node.name);
    put(`net.${family}.${kind}.${index === 0 ? 'eth0' : 'default'}.${param}`, value, key);
  }
  return out;
}
