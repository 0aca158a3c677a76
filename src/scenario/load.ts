// Reads a scenario file: YAML with positions, schema, its topology file, then meaning; every problem becomes a ScenarioError.
import { dirname, resolve } from 'node:path';
import { TopologyError } from '../topology-file/errors.js';
import { loadTopology } from '../topology-file/load.js';
import { LocatedYaml, readInput, sortIssues, validate } from '../yaml/located-yaml.js';
import { ScenarioError } from './errors.js';
import { resolveScenario } from './resolve.js';
import { scenarioSchema } from './schema.js';
import type { Scenario } from './types.js';

export function loadScenario(file: string): Scenario {
  const read = readInput(file);
  if ('issue' in read) throw new ScenarioError([read.issue]);
  return parseScenario(read.text, file);
}

/** Validates scenario YAML `text`; `file` names it in messages and anchors the topology path. */
export function parseScenario(text: string, file: string): Scenario {
  const { yaml, issues } = LocatedYaml.parse(text, file);
  if (issues.length > 0) throw new ScenarioError(issues);
  const js = yaml.toJS();
  if ('issue' in js) throw new ScenarioError([js.issue]);
  const parsed = validate(scenarioSchema, js.data);
  if (!parsed.ok) throw new ScenarioError(sortIssues(parsed.problems.map((p) => yaml.issue(p, 'scenario'))));
  const raw = parsed.value;
  const topologyFile = resolve(dirname(file), raw.topology);
  let topology;
  try {
    topology = loadTopology(topologyFile);
  } catch (e) {
    if (!(e instanceof TopologyError)) throw e;
    const here = yaml.issue({ path: ['topology'], message: `the topology file ${topologyFile} has ${e.issues.length} problem(s), listed below` }, 'scenario');
    throw new ScenarioError([here, ...e.issues]);
  }
  const result = resolveScenario(raw, topology);
  if (!result.ok) throw new ScenarioError(sortIssues(result.problems.map((p) => yaml.issue(p, 'scenario'))));
  const r = result.value;
  return {
    file,
    description: raw.description ?? '',
    lab: raw.lab ?? 'scenario',
    topologyFile,
    topology,
    load: r.load,
    durationMs: r.durationMs,
    mode: r.mode,
    firstPhase: r.firstPhase,
    timeline: r.timeline,
    assertions: r.assertions,
  };
}
