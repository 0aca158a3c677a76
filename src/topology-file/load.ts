// Reads a topology file: YAML with positions, schema validation and resolution; every problem becomes a TopologyError.
import { LocatedYaml, readInput, sortIssues, validate } from '../yaml/located-yaml.js';
import { TopologyError } from './errors.js';
import { resolveTopology } from './resolve.js';
import { topologySchema } from './schema.js';
import type { Topology } from '../topology/types.js';

/** Reads, validates and resolves a topology file; throws TopologyError on any problem. */
export function loadTopology(file: string): Topology {
  const read = readInput(file);
  if ('issue' in read) throw new TopologyError([read.issue]);
  return parseTopology(read.text, file);
}

/** Validates and resolves topology YAML `text`; `file` names it in messages. */
export function parseTopology(text: string, file: string): Topology {
  const { yaml, issues } = LocatedYaml.parse(text, file);
  if (issues.length > 0) throw new TopologyError(issues);
  const js = yaml.toJS();
  if ('issue' in js) throw new TopologyError([js.issue]);
  const parsed = validate(topologySchema, js.data);
  if (!parsed.ok) throw new TopologyError(sortIssues(parsed.problems.map((p) => yaml.issue(p, 'topology'))));
  const result = resolveTopology(parsed.value, file);
  if (!result.ok) throw new TopologyError(sortIssues(result.problems.map((p) => yaml.issue({ ...p, atKey: false }, 'topology'))));
  return result.topology;
}
