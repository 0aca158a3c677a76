// Compiles the modulo model into a binary search tree of range tests (CA mod M < split), so a dispatcher tests O(log n) programs per packet.
import { compileModuloBelow } from './bpf.js';
import type { BpfProgram } from './bpf.js';
import { checkAlive } from './modulo.js';
import type { DispatchState } from './types.js';

/** Where a branch leads: another node of the tree, or the leaf of server `server` (mark server + 1). */
export type TreeTarget = { node: string } | { server: number };

/**
 * One test of the tree: `CA mod modulus < split` goes to `below`, else to `above`. Node names are the
 * range of residues (or of alive positions, in the rehash tree) the node decides between: deterministic
 * for a state, so the same state always compiles to the same chains.
 */
export interface TreeNode {
  name: string;
  modulus: number;
  split: number;
  program: BpfProgram;
  below: TreeTarget;
  above: TreeTarget;
}

export interface ModuloTree {
  /** where a packet starts */
  root: TreeTarget;
  /** every node, parents before children (the residue tree first, then the rehash tree) */
  nodes: TreeNode[];
  /** the most tests a packet goes through (a client of a failed server may take both trees) */
  depth: number;
}

/** A run of consecutive values [lo, hi) that all lead to one target. */
interface Segment {
  lo: number;
  hi: number;
  target: TreeTarget;
}

/** Node names: `T<lo>-<hi>` in the tree over CA mod n, `R<lo>-<hi>` in the tree over CA mod |alive|. */
function build(segments: Segment[], modulus: number, prefix: string, nodes: TreeNode[]): { target: TreeTarget } {
  if (segments.length === 1) return { target: segments[0]!.target };
  const mid = Math.ceil(segments.length / 2);
  const split = segments[mid]!.lo;
  const node: TreeNode = { name: `${prefix}${segments[0]!.lo}-${segments.at(-1)!.hi}`, modulus, split, program: compileModuloBelow(modulus, split), below: { server: -1 }, above: { server: -1 } };
  nodes.push(node);
  const left = build(segments.slice(0, mid), modulus, prefix, nodes);
  const right = build(segments.slice(mid), modulus, prefix, nodes);
  node.below = left.target;
  node.above = right.target;
  return { target: { node: node.name } };
}

/** Residues 0..n-1 as segments: each alive residue is its server's leaf; each run of failed residues goes to the rehash tree. */
function residueSegments(state: DispatchState, rehash: TreeTarget): Segment[] {
  const alive = new Set(state.alive);
  const out: Segment[] = [];
  for (let r = 0; r < state.servers; r++) {
    const last = out.at(-1);
    if (alive.has(r)) out.push({ lo: r, hi: r + 1, target: { server: r } });
    else if (last && !('server' in last.target)) last.hi = r + 1;
    else out.push({ lo: r, hi: r + 1, target: rehash });
  }
  return out;
}

/**
 * The tree for a state: the model is k = CA mod n, S_k if alive, else alive[CA mod |alive|]. The first tree
 * searches CA mod n over the alive residues and the runs of failed ones (depth ceil(log2(segments)), which is
 * ceil(log2 n) with every server alive); a failed run leads to a second tree over CA mod |alive|
 * (depth ceil(log2 |alive|)). Every test is one 5-instruction program.
 */
export function compileModuloTree(state: DispatchState): ModuloTree {
  checkAlive(state);
  const m = state.alive.length;
  if (m === 1) return { root: { server: state.alive[0]! }, nodes: [], depth: 0 };
  const nodes: TreeNode[] = [];
  const rehashNodes: TreeNode[] = [];
  let rehash: TreeTarget = { server: -1 };
  if (m < state.servers) {
    const positions = state.alive.map((k, p): Segment => ({ lo: p, hi: p + 1, target: { server: k } }));
    rehash = build(positions, m, 'R', rehashNodes).target;
  }
  const first = build(residueSegments(state, rehash), state.servers, 'T', nodes);
  const all = [...nodes, ...rehashNodes];
  return { root: first.target, nodes: all, depth: depthOf(first.target, new Map(all.map((n) => [n.name, n]))) };
}

function depthOf(at: TreeTarget, byName: Map<string, TreeNode>): number {
  if ('server' in at) return 0;
  const n = byName.get(at.node)!;
  return 1 + Math.max(depthOf(n.below, byName), depthOf(n.above, byName));
}
