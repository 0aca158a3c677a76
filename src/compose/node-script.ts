// The start script of one compose service: wire the node like the Docker backend, check its sysctls, apply its plan, then serve or stay up.
import type { NodeSpec } from '../backends/backend.js';
import { shq } from '../backends/common/shell-quote.js';
import { nodeSetupScript } from '../backends/docker/node-setup.js';
import { NODE_DIR, renderSteps, type NodePlan } from '../plan/types.js';

/** Where a compose node keeps its plan processes' files (NODE_DIR of process steps). */
export const COMPOSE_NODE_DIR = '/run/oneip-lab-node';
import { sysctlCheckLines } from './sysctls.js';

/** Written when the node is configured; the healthcheck looks for it. Removed first, so a restart starts over. */
export const READY_FILE = '/run/oneip-lab.ready';

/** Port of the responder on servers, as `lab up` uses (src/lab/up.ts SERVER_PORT). */
export const COMPOSE_SERVER_PORT = 80;

/**
 * The HTTP responder of src/server/responder.ts in one line for `node -e` with the image's node (Debian's v18):
 * GET / answers the server's name, /health "ok", both with X-Served-By. The project's dist is not in the image, and
 * inlining it keeps the compose file self-contained (it also works against a remote engine). No `'` and no `$`, so
 * it sits in single quotes in the script and needs no escaping for compose's interpolation.
 */
export const RESPONDER_JS = [
  'const [name, port] = process.argv.slice(1);',
  'const server = require("http").createServer((req, res) => {',
  ' const body = req.url === "/health" ? "ok\\n" : name + "\\n";',
  ' res.writeHead(200, { "content-type": "text/plain", "content-length": Buffer.byteLength(body), "x-served-by": name });',
  ' res.end(body);',
  '});',
  'server.keepAliveTimeout = 5000;',
  'server.listen(Number(port), "0.0.0.0", () => console.log("responder " + name + " listening on :" + port));',
  'for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => process.exit(0));',
].join(' ');

export interface NodeScriptInput {
  /** the node as the Docker backend sees it (labSpec): interfaces with addresses, plan sysctls */
  node: NodeSpec;
  /** prefix length of each network */
  prefixes: Map<string, number>;
  /** the node's plan (planLab) */
  plan: NodePlan;
  /** servers start the responder on COMPOSE_SERVER_PORT; every other node sleeps */
  server: boolean;
  /** the `lab plan` command line that prints the same plan, for the comment */
  planCommand: string;
}

/**
 * The whole life of the container, run as `sh -c SCRIPT` under tini: any failing step stops the container (set -e),
 * so `docker compose up` shows what went wrong in its log.
 */
export function nodeStartScript(input: NodeScriptInput): string {
  const { node, plan } = input;
  const parts: string[] = [
    `# oneip-lab node ${node.name} (${node.role}): configures itself at every start, then ${input.server ? 'serves HTTP' : 'stays up'}`,
    'set -e',
    `rm -f ${READY_FILE}`,
    '# interfaces named after their networks by address (Docker numbers them eth0.. in no fixed order); no way out of the lab',
    nodeSetupScript(node.interfaces, (n) => input.prefixes.get(n) ?? 24).replace(/^set -e\n/, '').trimEnd(),
  ];
  const checks = sysctlCheckLines(plan.sysctls);
  if (checks.length > 0) parts.push('# the kernel parameters of the plan, set by Docker from this service\'s sysctls', ...checks);
  if (plan.steps.length > 0) parts.push(`# the node's plan: ${input.planCommand}`, renderSteps(plan.steps).split(NODE_DIR).join(COMPOSE_NODE_DIR).trimEnd());
  parts.push(`touch ${READY_FILE}`, `echo ${shq(`oneip-lab: ${node.name} (${node.role}) configured`)}`);
  if (input.server) {
    parts.push(`exec node -e '${RESPONDER_JS}' ${shq(node.name)} ${COMPOSE_SERVER_PORT}`);
  } else {
    parts.push('exec sleep infinity');
  }
  return parts.join('\n') + '\n';
}
