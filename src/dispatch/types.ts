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
  filterRules(ghost: string, state: DispatchState, k: number, name: string, options?: FilterOptions): PlanStep;
  /**
   * On routing server k during a graceful transition (Beamer's daisy chain): `generations` lists the function
   * now and the ones before it, newest first. A ghost TCP packet that is no SYN and that conntrack does not know
   * (INVALID) belongs to a connection opened under an older function: with i the oldest generation whose function
   * names k for its client (so a packet only moves on to older owners, never in a loop), it gets mark SECOND_CHANCE_MARK + j, j the owner under generation i + 1 (only for j in
   * `reachable`, never k). With one generation (no transition in force): the same table, empty.
   */
  secondChanceRules(ghost: string, generations: DispatchState[], k: number, reachable: number[], names: string[]): PlanStep;
}

/** How a server's local filter treats TCP packets that are no SYN. */
export interface FilterOptions {
  /** graceful transition in force: they pass the filter, so that conntrack keeps those of connections this server holds */
  passMidstream?: boolean;
}

/** Second-chance marks (routing scheme, graceful transitions): SECOND_CHANCE_MARK + j names server j, the owner before the change. */
export const SECOND_CHANCE_MARK = 0x10000;

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
