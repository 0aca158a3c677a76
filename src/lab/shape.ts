// `lab shape NODE RATE|off`: a node's link shaping changed on a running lab, recorded so revive and link up keep it.
import { UsageError } from '../util/errors.js';
import { durationMs } from '../topology-file/schema.js';
import type { PlanStep } from '../plan/types.js';
import { describeShape, parseRate, RATE_RULE, shapeStep } from '../links/link-shape.js';
import type { RunningLab } from './running-lab.js';
import type { LabState } from './state.js';
import type { LinkShape, Topology } from '../topology/types.js';

export interface ShapeFlags {
  delay?: string;
  jitter?: string;
}

function delayFlag(flag: string, text: string): number {
  const ms = durationMs(text);
  if (ms === undefined || ms < 0 || ms > 10_000) throw new UsageError(`shape: ${flag} must be a duration from 0ms to 10s such as 20ms, got "${text}"`);
  return ms;
}

/** RATE|off and the flags -> the shape to set ({} is off); UsageError naming the word or flag that is wrong. */
export function parseShape(word: string, flags: ShapeFlags = {}): LinkShape {
  const shape: LinkShape = {};
  if (word !== 'off') {
    const bits = parseRate(word);
    if (bits === undefined) throw new UsageError(`shape: RATE must be ${RATE_RULE}, or off; got "${word}"`);
    Object.assign(shape, { rate: word, rateBits: bits });
  } else if (flags.delay !== undefined || flags.jitter !== undefined) {
    throw new UsageError('shape: off removes all shaping: give no --delay or --jitter with it');
  }
  if (flags.delay !== undefined) shape.delayMs = delayFlag('--delay', flags.delay);
  if (flags.jitter !== undefined) {
    if (flags.delay === undefined) throw new UsageError('shape: --jitter needs --delay (netem varies the delay by it)');
    shape.jitterMs = delayFlag('--jitter', flags.jitter);
  }
  return shape;
}

/** The interface `lab shape` shapes: the node's LAN interface (the client's: its client link). */
export function shapedInterface(t: Topology, node: string): string {
  const n = t.nodes.find((x) => x.name === node);
  if (!n) throw new UsageError(`the lab has no node "${node}" (nodes: ${t.nodes.map((x) => x.name).join(', ')})`);
  return (n.interfaces.find((i) => i.network === 'lan') ?? n.interfaces[0]!).name;
}

/** The step of a node's `lab shape` setting, if it has one (added to the node's plan where revive and link up apply it). */
export function shapeOverrideSteps(state: LabState, node: string): PlanStep[] {
  const shape = state.shape?.[node];
  return shape ? [shapeStep(shapedInterface(state.topology, node), shape)] : [];
}

/** Shapes the node's LAN interface (the client: its client link) egress now, replacing the topology's shaping there; {} removes it. */
export async function setNodeShape(lab: RunningLab, node: string, shape: LinkShape): Promise<string> {
  const ifname = shapedInterface(lab.state.topology, node);
  if (lab.isKilled(node)) throw new UsageError(`${node} was killed: \`lab revive ${node}\` brings it back`);
  await lab.update(async (s) => {
    await lab.applySteps(node, [shapeStep(ifname, shape)]);
    s.shape = { ...s.shape, [node]: shape };
  });
  return `${node}: ${ifname} ${shape.rateBits || shape.delayMs !== undefined ? `shaped to ${describeShape(shape)}` : 'not shaped'} (egress)`;
}
