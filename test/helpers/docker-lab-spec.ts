// Lab specs for the Docker backend tests: like netns-lab-spec.ts, but each lab on its own subnets (Docker refuses overlaps).
import type { LabSpec } from '../../src/backends/backend.js';

/** The networks of a small lab in a slot: a = 10.78.<slot*2+1>, b = 10.78.<slot*2+2>. */
export function dockerNets(slot: number): { a: string; b: string } {
  return { a: `10.78.${slot * 2 + 1}`, b: `10.78.${slot * 2 + 2}` };
}

/** h1, h2 on network a (10.78.<slot*2+1>.0/24); h3 on network b (10.78.<slot*2+2>.0/24); r on both, forwarding. */
export function dockerSmallLab(lab: string, slot = 0): LabSpec {
  const { a, b } = dockerNets(slot);
  return {
    lab,
    networks: [
      { name: 'a', subnet: `${a}.0/24` },
      { name: 'b', subnet: `${b}.0/24` },
    ],
    nodes: [
      { name: 'h1', role: 'host', interfaces: [{ name: 'eth0', network: 'a', address: `${a}.10/24` }], sysctls: {} },
      { name: 'h2', role: 'host', interfaces: [{ name: 'eth0', network: 'a', address: `${a}.11/24` }], sysctls: {} },
      {
        name: 'r',
        role: 'router',
        interfaces: [
          { name: 'eth0', network: 'a', address: `${a}.1/24` },
          { name: 'eth1', network: 'b', address: `${b}.1/24` },
        ],
        sysctls: { 'net.ipv4.ip_forward': '1', 'net.ipv4.conf.eth1.send_redirects': '0', 'net.ipv4.conf.eth0.arp_announce': '2' },
      },
      { name: 'h3', role: 'host', interfaces: [{ name: 'eth0', network: 'b', address: `${b}.10/24` }], sysctls: {} },
    ],
  };
}

/** client, router, dispatcher plus `servers` servers s0.. on network lan (10.79.1.0/24), client link cl (10.79.0.0/24). */
export function dockerFarmLab(lab: string, servers: number): LabSpec {
  const nodes: LabSpec['nodes'] = [
    { name: 'client', role: 'client', interfaces: [{ name: 'cl', network: 'cl', address: '10.79.0.2/24' }], sysctls: {} },
    {
      name: 'router',
      role: 'router',
      interfaces: [
        { name: 'cl', network: 'cl', address: '10.79.0.1/24' },
        { name: 'lan', network: 'lan', address: '10.79.1.1/24' },
      ],
      sysctls: { 'net.ipv4.ip_forward': '1' },
    },
    {
      name: 'dispatcher',
      role: 'dispatcher',
      interfaces: [{ name: 'lan', network: 'lan', address: '10.79.1.2/24' }],
      sysctls: { 'net.ipv4.ip_forward': '1', 'net.ipv4.conf.all.send_redirects': '0', 'net.ipv4.conf.lan.send_redirects': '0' },
    },
  ];
  for (let i = 0; i < servers; i++) {
    nodes.push({
      name: `s${i}`,
      role: 'server',
      interfaces: [{ name: 'lan', network: 'lan', address: `10.79.1.${10 + i}/24` }],
      sysctls: { 'net.ipv4.conf.lan.arp_ignore': '1', 'net.ipv4.conf.lan.arp_announce': '2' },
    });
  }
  return {
    lab,
    networks: [
      { name: 'cl', subnet: '10.79.0.0/24' },
      { name: 'lan', subnet: '10.79.1.0/24' },
    ],
    nodes,
  };
}
