// The registry of dispatch functions: each name is declared here once, with the module that builds it.
import { modulo } from './modulo.js';
import { createTableFunction, DEFAULT_BUCKETS, DEFAULT_SEED } from './table.js';
import { DispatchError, type DispatchFunction } from './types.js';

/** Options a topology's `dispatch:` gives a function (those that take none ignore them). */
export interface DispatchOptions {
  buckets?: number;
  seed?: number;
}

const FUNCTIONS = {
  modulo: { summary: 'CA mod n, the paper\'s function (6.3), in classic BPF (xt_bpf)', create: () => modulo },
  table: { summary: 'nftables jhash of CA into buckets, a weighted table of owners', create: (o: Required<DispatchOptions>) => createTableFunction(o.buckets, o.seed) },
} satisfies Record<string, { summary: string; create(options: Required<DispatchOptions>): DispatchFunction }>;

export type DispatchFunctionName = keyof typeof FUNCTIONS;

export const DISPATCH_FUNCTION_NAMES = Object.keys(FUNCTIONS) as DispatchFunctionName[];

/** A function's one-line summary, for help and docs. */
export function dispatchFunctionSummary(name: DispatchFunctionName): string {
  return FUNCTIONS[name].summary;
}

export function dispatchFunction(name: DispatchFunctionName, options: DispatchOptions = {}): DispatchFunction {
  const entry = (FUNCTIONS as Record<string, (typeof FUNCTIONS)[DispatchFunctionName]>)[name];
  if (!entry) throw new DispatchError(`unknown dispatch function "${String(name)}"; known: ${DISPATCH_FUNCTION_NAMES.join(', ')}`);
  return entry.create({ buckets: options.buckets ?? DEFAULT_BUCKETS, seed: options.seed ?? DEFAULT_SEED });
}

/** The function a topology names, with its options: `dispatchFunctionOf(t)`. */
export function dispatchFunctionOf(t: { dispatch: { function: DispatchFunctionName; buckets: number } }): DispatchFunction {
  return dispatchFunction(t.dispatch.function, { buckets: t.dispatch.buckets });
}
