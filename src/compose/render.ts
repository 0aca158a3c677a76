// Renders a topology as one self-contained docker-compose.yml: networks, one service per node with its plan inline (pure).
import { dump } from 'js-yaml';
import { checkAddresses, dockerGateway } from '../backends/docker/networks.js';
import { LABEL_LAB, LABEL_NETWORK, LABEL_NODE, LABEL_ROLE } from '../backends/docker/names.js';
import { dispatchFunctionOf } from '../dispatch/registry.js';
import { labSpec } from '../lab/lab-spec.js';
import { cidrText, intToIp, ipToInt, parseCidr } from '../net/ipv4.js';
import { dispatchStateOf, initialClusterState } from '../schemes/cluster-state.js';
import { planLab } from '../schemes/plan-lab.js';
import type { Topology } from '../topology/types.js';
import { COMPOSE_SERVER_PORT, nodeStartScript, READY_FILE } from './node-script.js';
import { composeSysctls } from './sysctls.js';
import { COMPOSE_IMAGE } from './image.js';

/** The node image every service runs: `./lab images build` tags its newest build so. */
export { COMPOSE_IMAGE };

export interface ComposeOptions {
  /** image of every service (default COMPOSE_IMAGE) */
  image?: string;
  /** the topology file as the header names it (default the topology's own `file`) */
  source?: string;
}

export interface ComposeNetwork {
  driver: 'bridge';
  driver_opts: Record<string, string>;
  ipam: { driver: 'default'; config: { subnet: string; gateway: string }[] };
  labels: Record<string, string>;
}

export interface ComposeHealthcheck {
  test: string[];
  interval: string;
  timeout: string;
  retries: number;
  start_period: string;
}

export interface ComposeService {
  image: string;
  hostname: string;
  labels: Record<string, string>;
  cap_add: string[];
  sysctls: Record<string, string>;
  networks: Record<string, { ipv4_address: string }>;
  entrypoint: string[];
  /** ['sh', '-c', start script with every `$` doubled for compose's interpolation] */
  command: string[];
  healthcheck: ComposeHealthcheck;
  restart: 'no';
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  networks: Record<string, ComposeNetwork>;
}

/** Compose replaces $VAR and ${VAR} in service strings; `$$` is a literal `$`. */
export function escapeInterpolation(text: string): string {
  return text.replace(/\$/g, () => '$$');
}

/** The compose model of a topology with every server alive (what `lab up` starts with). */
export function composeModel(t: Topology, options: ComposeOptions = {}): ComposeFile {
  const image = options.image ?? COMPOSE_IMAGE;
  const plan = planLab(t, initialClusterState(t));
  const spec = labSpec(t.name, t, plan);
  const prefixes = checkAddresses(spec);
  const plans = new Map(plan.nodes.map((p) => [p.node, p]));
  const source = options.source ?? t.file;

  const networks: Record<string, ComposeNetwork> = {};
  for (const net of spec.networks) {
    networks[net.name] = {
      driver: 'bridge',
      driver_opts: {
        // lab traffic is never rewritten on its way through the host (as src/backends/docker/networks.ts)
        'com.docker.network.bridge.enable_ip_masquerade': 'false',
        'com.docker.network.bridge.enable_icc': 'true',
      },
      ipam: { driver: 'default', config: [{ subnet: cidrText(parseCidr(net.subnet)), gateway: intToIp(dockerGateway(net.subnet)) }] },
      labels: { [LABEL_LAB]: t.name, [LABEL_ROLE]: 'network', [LABEL_NETWORK]: net.name },
    };
  }

  const services: Record<string, ComposeService> = {};
  for (const node of spec.nodes) {
    const server = node.role === 'server';
    const script = nodeStartScript({
      node,
      prefixes,
      plan: plans.get(node.name)!,
      server,
      planCommand: `./lab plan -t ${source} --node ${node.name}`,
    });
    const ready = `test -e ${READY_FILE}`;
    services[node.name] = {
      image,
      hostname: node.name,
      labels: { [LABEL_LAB]: t.name, [LABEL_ROLE]: node.role, [LABEL_NODE]: node.name },
      cap_add: ['NET_ADMIN', 'NET_RAW'],
      sysctls: composeSysctls(node),
      networks: Object.fromEntries(node.interfaces.map((i) => [i.network, { ipv4_address: i.address.split('/')[0]! }])),
      entrypoint: ['/usr/bin/tini', '--'],
      command: ['sh', '-c', escapeInterpolation(script)],
      healthcheck: {
        test: ['CMD-SHELL', server ? `${ready} && curl -sf -o /dev/null --max-time 2 http://127.0.0.1:${COMPOSE_SERVER_PORT}/health` : ready],
        interval: '5s',
        timeout: '3s',
        retries: 3,
        start_period: '30s',
      },
      restart: 'no',
    };
  }
  return { services, networks };
}

/** The header: what the file is, how it was made, how to use it. */
function header(t: Topology, source: string): string {
  const fn = dispatchFunctionOf(t);
  const state = dispatchStateOf(t, initialClusterState(t));
  const example = intToIp((parseCidr(t.clientPopulation).base + 7) >>> 0);
  const server = t.servers[fn.predict(ipToInt(example), state)]!.name;
  return [
    `# The ONE-IP ${t.scheme} cluster of ${source} (lab "${t.name}": ${t.servers.length} servers, dispatch ${t.dispatch.function}, ghost ${t.ghost}) on Docker.`,
    `# Generated by \`./lab compose -t ${source} -o docker-compose.yml\`; regenerate it rather than edit it.`,
    '# Needs the node image: `./lab images build` (tags oneip-lab/node:latest). Then, from this folder:',
    '#   docker compose up -d          (or Debian\'s docker-compose up -d)',
    `#   docker compose exec client curl -s --interface ${example} http://${t.ghost}/     -> ${server}`,
    '#   docker compose down',
    '# Every service configures itself at start: interfaces named after their networks, no default route or DNS,',
    '# its sysctls checked, its plan applied (the lines `./lab plan` prints); servers then run a tiny HTTP responder',
    '# with the image\'s node. Unlike `./lab up`: no lab state, no `lab status/dispatch/counters`, no watchdog, no load.',
  ].join('\n');
}

/** docker-compose.yml text for a topology: a header comment, then the model as YAML. */
export function renderCompose(t: Topology, options: ComposeOptions = {}): string {
  const body = dump(composeModel(t, options), { lineWidth: -1, noRefs: true });
  return `${header(t, options.source ?? t.file)}\n\n${body}`;
}
