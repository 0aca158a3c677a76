// The dispatch model: which server a client address goes to, given the servers that are alive.

export interface DispatchState {
  /** n: the number of servers S0..S(n-1) in the topology */
  servers: number;
  /** indexes of the servers that are alive, ascending */
  alive: number[];
  /** per-server weight, length n (used by weighted functions; modulo ignores it) */
  weights: number[];
}

export interface DispatchFunction {
  readonly name: 'modulo' | 'table';
  /** The server index that serves client address `ca` (unsigned 32-bit). Throws when none is alive. */
  predict(ca: number, state: DispatchState): number;
}

export class DispatchError extends Error {
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
