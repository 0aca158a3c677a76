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
  | { kind: 'load'; command: string; text: string; comment?: string; part?: PlanPart };

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
  const text = step.text.endsWith('\n') ? step.text : step.text + '\n';
  return `${comment}${step.command} <<'ONEIP_EOF'\n${text}ONEIP_EOF`;
}

/** The whole node plan as readable text: sysctls first, then the steps. */
export function renderNodePlan(plan: NodePlan): string {
  const sysctls = Object.entries(plan.sysctls).map(([k, v]) => `sysctl -w ${k}=${v}`);
  return [`## ${plan.node} (${plan.role})`, ...sysctls, renderSteps(plan.steps).trimEnd()].join('\n');
}
