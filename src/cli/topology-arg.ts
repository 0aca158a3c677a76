// Reads the -t FILE option of a command into a Topology, turning a missing option into a usage error.
import { loadTopology } from '../topology-file/load.js';
import type { Topology } from '../topology/types.js';
import { UsageError } from '../util/errors.js';

export function topologyFrom(file: string | undefined): Topology {
  if (!file) throw new UsageError('-t FILE is required: the topology file (e.g. topologies/routing.yaml)');
  return loadTopology(file);
}
