// A per-node configuration plan: what a backend must do to one node, printable as shell lines.

/**
 * The parts of a plan that follow the cluster's state; a step without a part follows the topology only.
 * Each part replaces what it sets, so applying a part again (or its new version) is always safe.
 * - dispatch: the dispatch rules (dispatcher marks or servers' local filters)
 * - ghost-route: the router's route of the ghost to the active dispatcher
 * - probes: watchd's probe routes on the router
 */
export type PlanPart = 'dispatch' | 'ghost-route' | 'probes';

/** One step of a node's plan. */
export type PlanStep =
  /** a shell command line run inside the node (`ip ...`, `iptables ...`) */
  | { kind: 'run'; line: string; comment?: string; part?: PlanPart }
  /** a file fed to a command on stdin, e.g. an `nft -f -` ruleset or an `iptables-restore` table */
  | { kind: 'load'; command: string; text: string; comment?: string; part?: PlanPart }
  /** a long-running program the node runs (a proxy, a DNS server): its files written, then started and tracked by the lab */
  | ProcessStep;

/** The node directory placeholder in a process step's file paths and argv: the lab puts a folder of its own there. */
export const NODE_DIR = '{dir}';

/**
 * A program of the plan, e.g. HAProxy on a dispatcher. Applying the step writes its files under NODE_DIR and
 * (re)starts it: the previous process of that name in the node is ended first, so a changed config takes effect.
 * `ready` is a command run in the same node until it exits 0 (within `timeoutMs`, default 10 s).
 */
export interface ProcessStep {
  kind: 'process';
  /** unique in the node, e.g. "haproxy"; also its log's name: <node>-<name>.log */
  name: string;
  argv: string[];
  files?: { path: string; text: string }[];
  ready?: { argv: string[]; timeoutMs?: number };
  comment?: string;
  part?: PlanPart;
}

/** The same steps, tagged as one part of the plan. */
export function inPart(part: PlanPart, steps: PlanStep[]): PlanStep[] {
  return steps.map((s) => ({ ...s, part }));
}

export interface NodePlan {
  node: string;
  role: string;
  /** kernel parameters, applied before any step (Docker: at create time) */
  sysctls: Record<string, string>;
  steps: PlanStep[];
}

export interface LabPlan {
  lab: string;
  nodes: NodePlan[];
}

/** The steps as one POSIX shell script (heredocs for loaded files). */
export function renderSteps(steps: PlanStep[]): string {
  return steps.map(renderStep).join('\n') + '\n';
}

function renderStep(step: PlanStep): string {
  const comment = step.comment ? `# ${step.comment}\n` : '';
  if (step.kind === 'run') return comment + step.line;
  if (step.kind === 'process') return comment + renderProcessStep(step);
  const text = step.text.endsWith('\n') ? step.text : step.text + '\n';
  return `${comment}${step.command} <<'ONEIP_EOF'\n${text}ONEIP_EOF`;
}

/** The whole node plan as readable text: sysctls first, then the steps. */
export function renderNodePlan(plan: NodePlan): string {
  const sysctls = Object.entries(plan.sysctls).map(([k, v]) => `sysctl -w ${k}=${v}`);
  return [`## ${plan.node} (${plan.role})`, ...sysctls, renderSteps(plan.steps).trimEnd()].join('\n');
}

/** A process step as shell: its files written with heredocs, then the program started in the background. */
export function renderProcessStep(step: ProcessStep, dir = NODE_DIR): string {
  const at = (text: string) => text.split(NODE_DIR).join(dir);
  const files = (step.files ?? []).map((f) => {
    const text = at(f.text.endsWith('\n') ? f.text : f.text + '\n');
    // a file in a subfolder of the node folder gets its folder first
    const folder = f.path.includes('/') ? `mkdir -p ${shellWord(at(`${NODE_DIR}/${f.path.slice(0, f.path.lastIndexOf('/'))}`))}\n` : '';
    return `${folder}cat > ${shellWord(at(`${NODE_DIR}/${f.path}`))} <<'ONEIP_EOF'\n${text}ONEIP_EOF`;
  });
  const start = `${step.argv.map((a) => shellWord(at(a))).join(' ')} &  # process "${step.name}", started and tracked by the lab`;
  return [`mkdir -p ${shellWord(dir)}`, ...files, start].join('\n');
}

/** A word for sh: as it is when it is plain, else in single quotes. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./{}-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
