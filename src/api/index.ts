// oneip-lab as a library: `import { startLab } from 'oneip-lab'` brings a lab up from a test and drives it as the CLI does.
import './dispose.js';

export { startLab, type StartOptions } from './start.js';
export { Lab, type BenchOptions, type ExecOptions, type LabStatus, type WaitOptions } from './lab.js';
export type { DispatchView } from './dispatch-view.js';
export { INLINE_TOPOLOGY, TopologyUsageError, type TopologyObject } from './topology-input.js';
export { OlabError, LabError, UsageError, exitCodeOf } from '../util/errors.js';
export { ipToInt, intToIp } from '../net/ipv4.js';
export type { BenchResult, BenchServer, BenchTimelinePoint } from '../report/bench-result.js';
export type { BenchProgress } from '../lab/bench.js';
export type { WatchdEvent, WatchdEventKind } from '../lab/watchd-events.js';
export type { WatchdStatus } from '../lab/watchd-process.js';
export type { StatusJson } from '../present/status.js';
export type { ExecResult } from '../backends/backend.js';
export type { Topology, LabNode, ServerNode, BackendChoice } from '../topology/types.js';
export type { DispatchState } from '../dispatch/types.js';
