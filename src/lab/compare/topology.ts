// The topology `lab compare` brings up for a scheme: topologies/<scheme>.yaml with --servers applied, FTP on, the run's lab name.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { schemeOf } from '../../schemes/registry.js';
import { loadTopology } from '../../topology-file/load.js';
import { resizeTopology } from '../../topology-file/resize.js';
import type { LabNode, Topology } from '../../topology/types.js';
import { UsageError } from '../../util/errors.js';
import { projectRoot } from '../../util/paths.js';
import { parseTimelineAction, type Action } from '../actions.js';

/** Every scheme's example topology: topologies/<scheme>.yaml (the one `lab up` users start from). */
export function schemeTopologyFile(scheme: string): string {
  return join(projectRoot(), 'topologies', `${scheme}.yaml`);
}

export function compareTopology(scheme: string, servers: number, name: string): { topology: Topology; file: string } {
  const file = schemeTopologyFile(scheme);
  if (!existsSync(file)) throw new UsageError(`--schemes: ${scheme} has no example topology ${file} for lab compare to bring up`);
  const t = resizeTopology(loadTopology(file), servers);
  return { topology: { ...t, name, ftp: true }, file };
}

/** The --failure action, checked against the scheme's topology (a node it has, not the client). */
export function checkFailure(t: Topology, failure: Action): Action {
  const checked = parseTimelineAction(failure.text, t);
  if (typeof checked === 'string') throw new UsageError(`--failure: ${checked} (the ${t.scheme} scheme's topology)`);
  return checked;
}

/**
 * The node counted as the scheme's dispatcher: the first node carrying its dispatch rules that is not a server
 * (a dispatcher node, or the router with `dispatcher: router`); none when every server dispatches for itself
 * (broadcast: the router only routes there, as it does in every scheme, so its traffic is not the scheme's).
 */
export function dispatcherNode(t: Topology): LabNode | undefined {
  return schemeOf(t).dispatchNodes(t).find((n) => n.role !== 'server') ?? t.dispatchers[0];
}
