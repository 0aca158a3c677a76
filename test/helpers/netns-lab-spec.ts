// Lab specs for the netns backend tests: a small two-network lab and a server-farm lab of N servers.
import type { LabSpec } from '../../src/backends/backend.js';

/** The small lab's networks: every netns lab may use the same addresses. */
export const SMALL_NETS = { a: '10.77.1', b: '10.77.2' };

/** h1, h2 on network a (10.77.1.0/24); h3 on network b (10.77.2.0/24); r on both, forwarding. */
export function smallLab(lab: string): LabSpec {
  return {
    lab,
    networks: [
      { name: 'a', subnet: '10.77.1.0/24' },
      { name: 'b', subnet: '10.77.2.0/24' },
    ],
    nodes: [
      // new namespaces inherit the host's IPv4 settings (ip_forward is 1 on a Docker host): say it explicitly
      { name: 'h1', role: 'host', interfaces: [{ name: 'eth0', network: 'a', address: '10.77.1.10/24' }], sysctls: { 'net.ipv4.ip_forward': '0' } },
      { name: 'h2', role: 'host', interfaces: [{ name: 'eth0', network: 'a', address: '10.77.1.11/24' }], sysctls: {} },
      {
        name: 'r',
        role: 'router',
        interfaces: [
          { name: 'eth0', network: 'a', address: '10.77.1.1/24' },
          { name: 'eth1', network: 'b', address: '10.77.2.1/24' },
        ],
        sysctls: { 'net.ipv4.ip_forward': '1', 'net.ipv4.conf.eth1.send_redirects': '0', 'net.ipv4.conf.eth0.arp_announce': '2' },
      },
      { name: 'h3', role: 'host', interfaces: [{ name: 'eth0', network: 'b', address: '10.77.2.10/24' }], sysctls: {} },
    ],
  };
}

/** client, router, dispatcher plus `servers` servers s0.. on the shared lan network. */
export function farmLab(lab: string, servers: number): LabSpec {
  const nodes: LabSpec['nodes'] = [
    { name: 'client', role: 'client', interfaces: [{ name: 'eth0', network: 'cl', address: '198.18.0.2/24' }], sysctls: {} },
    {
      name: 'router',
      role: 'router',
      interfaces: [
        { name: 'eth0', network: 'cl', address: '198.18.0.1/24' },
        { name: 'lan', network: 'lan', address: '10.0.1.1/24' },
      ],
      sysctls: { 'net.ipv4.ip_forward': '1' },
    },
    {
      name: 'dispatcher',
      role: 'dispatcher',
      interfaces: [{ name: 'lan', network: 'lan', address: '10.0.1.2/24' }],
      sysctls: { 'net.ipv4.ip_forward': '1', 'net.ipv4.conf.all.send_redirects': '0', 'net.ipv4.conf.lan.send_redirects': '0' },
    },
  ];
  for (let i = 0; i < servers; i++) {
    nodes.push({
      name: `s${i}`,
      role: 'server',
      interfaces: [{ name: 'lan', network: 'lan', address: `10.0.1.${10 + i}/24` }],
      sysctls: { 'net.ipv4.conf.lan.arp_ignore': '1', 'net.ipv4.conf.lan.arp_announce': '2' },
    });
  }
  return {
    lab,
    networks: [
      { name: 'cl', subnet: '198.18.0.0/24' },
      { name: 'lan', subnet: '10.0.1.0/24' },
    ],
    nodes,
  };
}
