// One container per node: create on its first network, start, connect the others, run the setup script; revive after a kill.
import type Docker from 'dockerode';
import { assertOk, BackendError, type InterfaceSpec, type NodeSpec } from '../backend.js';
import { engineMessage } from './client.js';
import { execIn } from './exec.js';
import { exitGate } from './exit-gate.js';
import { containerName, LABEL_INTERFACES, LABEL_LAB, LABEL_NODE, LABEL_ROLE, networkName } from './names.js';
import { addressOf, networkPrefixes } from './networks.js';
import { nodeSetupScript } from './node-setup.js';

export interface NodeContainerOptions {
  lab: string;
  node: NodeSpec;
  image: string;
  /** HostConfig.Sysctls (containerSysctls) */
  sysctls: Record<string, string>;
  /** "host:container:mode" bind mounts */
  binds: string[];
  /** prefix length of each network */
  prefixes: Map<string, number>;
}

/**
 * Only the first network is given at create (API 1.41 takes one), so Docker names it eth0 and creates it before
 * runc writes the sysctls; the others are connected after start, so their interfaces take conf.default.* (see
 * sysctls.ts). Then the setup script names the interfaces as the spec says and removes Docker's ways out.
 */
export async function createNodeContainer(docker: Docker, o: NodeContainerOptions): Promise<void> {
  const [first, ...rest] = o.node.interfaces;
  let what = 'creating its container';
  try {
    const c = await docker.createContainer({
      name: containerName(o.lab, o.node.name),
      Hostname: o.node.name,
      Image: o.image,
      Entrypoint: ['/usr/bin/tini', '--'],
      Cmd: ['sleep', 'infinity'],
      Labels: {
        [LABEL_LAB]: o.lab,
        [LABEL_ROLE]: o.node.role,
        [LABEL_NODE]: o.node.name,
        [LABEL_INTERFACES]: JSON.stringify(o.node.interfaces),
      },
      HostConfig: {
        CapAdd: ['NET_ADMIN', 'NET_RAW'],
        Sysctls: o.sysctls,
        Binds: o.binds,
        NetworkMode: first ? networkName(o.lab, first.network) : 'none',
        RestartPolicy: { Name: 'no' },
        LogConfig: { Type: 'none', Config: {} },
      },
      NetworkingConfig: first
        ? { EndpointsConfig: { [networkName(o.lab, first.network)]: { IPAMConfig: { IPv4Address: addressOf(first) } } } }
        : {},
    });
    what = 'starting its container';
    await c.start();
    for (const itf of rest) {
      what = `connecting it to network ${itf.network}`;
      await connect(docker, o.lab, c.id, itf);
    }
    what = 'setting up its interfaces';
    await setUp(docker, o.node.name, containerName(o.lab, o.node.name), o.node.interfaces, o.prefixes);
  } catch (err) {
    if (err instanceof BackendError) throw err;
    throw new BackendError(`${what}: ${engineMessage(err)}`, o.node.name, engineMessage(err));
  }
}

/**
 * Starts a stopped (killed) container and re-wires it from its labels. Docker re-creates every endpoint at start,
 * before the sysctls are written, so the interfaces after the first are connected anew to take the defaults again.
 */
export async function reviveNodeContainer(docker: Docker, lab: string, node: string): Promise<void> {
  const c = docker.getContainer(containerName(lab, node));
  const info = await c.inspect();
  const interfaces = JSON.parse(info.Config.Labels[LABEL_INTERFACES] ?? '[]') as InterfaceSpec[];
  if (!info.State.Running) await c.start();
  // a disconnect deletes an endpoint: in the delete phase, never while another container exits (exit-gate.ts)
  await exitGate.run('delete', async () => {
    for (const itf of interfaces.slice(1)) await docker.getNetwork(networkName(lab, itf.network)).disconnect({ Container: info.Id, Force: true });
  });
  for (const itf of interfaces.slice(1)) await connect(docker, lab, info.Id, itf);
  await setUp(docker, node, containerName(lab, node), interfaces, await networkPrefixes(docker, lab, interfaces));
}

function connect(docker: Docker, lab: string, id: string, itf: InterfaceSpec): Promise<unknown> {
  return docker.getNetwork(networkName(lab, itf.network)).connect({ Container: id, EndpointConfig: { IPAMConfig: { IPv4Address: addressOf(itf) } } });
}

async function setUp(docker: Docker, node: string, container: string, interfaces: InterfaceSpec[], prefixes: Map<string, number>): Promise<void> {
  const script = nodeSetupScript(interfaces, (n) => prefixes.get(n) ?? 24);
  assertOk(node, 'setting up its interfaces', await execIn(docker, container, ['sh', '-e'], { input: script }));
}
