// The dispatch model: which server a client address goes to, given the servers that are alive; and a function's full interface.
import type { PlanStep } from '../plan/types.js';
import { UsageError } from '../util/errors.js';

export interface DispatchState {
  /** n: the number of servers S0..S(n-1) in the topology */
  servers: number;
  /** indexes of the servers that are alive, ascending */
  alive: number[];
  /** per-server weight, length n (used by weighted functions; modulo ignores it) */
  weights: number[];
}

/** The model alone: the server a client address goes to. */
export interface DispatchModel {
  readonly name: string;
  /** The server index that serves client address `ca` (unsigned 32-bit). Throws when none is alive. */
  predict(ca: number, state: DispatchState): number;
}

/**
 * A dispatch function as the lab uses it: the model, its rule in words, and its compilers, one per place a
 * scheme puts dispatch rules. Each compiler returns one step that replaces the node's rules atomically.
 */
export interface DispatchFunction extends DispatchModel {
  /** e.g. "modulo" or "table (256 buckets)" */
  readonly label: string;
  /** Which clients server k takes, in words, e.g. "CA mod 4 = 2"; "failed: serves no client" when k is out. */
  describe(state: DispatchState, k: number): string;
  /** On a dispatcher: mark every ghost packet with 1 + the index of the server that serves it. */
  markRules(ghost: string, state: DispatchState, names: string[]): PlanStep;
  /**
   * On server k: accept the ghost packets whose client it serves, drop the rest, as early as the kernel allows
   * (before conntrack): the stable-state filter, one step, which a graceful transition replaces as a whole.
   */
  filterRules(ghost: string, state: DispatchState, k: number, name: string): PlanStep;
}

/** A dispatch model refused its input: bad state, buckets or addresses (exit code 2). */
export class DispatchError extends UsageError {
  override name = 'DispatchError';
}

/** All n servers alive, weight 1 unless given. */
export function initialState(servers: number, weights?: number[]): DispatchState {
  return {
    servers,
    alive: Array.from({ length: servers }, (_, i) => i),
    weights: weights ?? Array.from({ length: servers }, () => 1),
  };
}
