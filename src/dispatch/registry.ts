// Looks up a dispatch function by the name a topology file or the command line gives.
import { modulo } from './modulo.js';
import { createTableFunction, DEFAULT_BUCKETS, DEFAULT_SEED } from './table.js';
import { DispatchError, type DispatchFunction } from './types.js';

export type DispatchFunctionName = DispatchFunction['name'];

export const dispatchFunctionNames: readonly DispatchFunctionName[] = ['modulo', 'table'];

/** Options of the `table` function (modulo has none): its number of buckets and jhash seed. */
export interface DispatchOptions {
  buckets?: number;
  seed?: number;
}

export function dispatchFunction(name: DispatchFunctionName, options: DispatchOptions = {}): DispatchFunction {
  switch (name) {
    case 'modulo':
      return modulo;
    case 'table':
      return createTableFunction(options.buckets ?? DEFAULT_BUCKETS, options.seed ?? DEFAULT_SEED);
    default:
      throw new DispatchError(`unknown dispatch function "${String(name)}"; known: ${dispatchFunctionNames.join(', ')}`);
  }
}
