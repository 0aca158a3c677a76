// startLab: brings a lab up from a topology file or an inline object, as `lab up` does, and returns its typed handle.
import { upLab } from '../lab/up.js';
import type { BackendChoice } from '../topology/types.js';
import { BACKENDS } from '../topology/types.js';
import { UsageError } from '../util/errors.js';
import { checkLabName } from '../util/lab-name.js';
import { Lab } from './lab.js';
import { downOnSignal } from './signals.js';
import { readTopologyInput, type TopologyObject } from './topology-input.js';

export interface StartOptions {
  /** a topology file (relative to the working directory), or its fields as an object, validated as a file is */
  topology: string | TopologyObject;
  /** default: the topology's (auto, unless it says otherwise) */
  backend?: BackendChoice;
  /** the lab's name (default: the topology's name) */
  name?: string;
  /** progress messages, as `lab up`'s spinner shows them */
  onStep?: (text: string) => void;
  /** take the lab down when the process gets SIGINT or SIGTERM (default true) */
  downOnSignal?: boolean;
}

/** Brings the lab up (nodes, plans, servers answering, watchd probing); a failure part way removes what was built. */
export async function startLab(o: StartOptions): Promise<Lab> {
  if (o.backend !== undefined && !(BACKENDS as readonly string[]).includes(o.backend)) throw new UsageError(`backend: "${o.backend}" is not one of ${BACKENDS.join(', ')}`);
  const { topology, file } = readTopologyInput(o.topology);
  const name = checkLabName(o.name ?? topology.name, 'name');
  const release = o.downOnSignal === false ? () => {} : downOnSignal(name);
  try {
    const running = await upLab(topology, file, { name, ...(o.backend ? { backend: o.backend } : {}), ...(o.onStep ? { onStep: o.onStep } : {}) });
    return new Lab(running, release);
  } catch (err) {
    release();
    throw err;
  }
}
