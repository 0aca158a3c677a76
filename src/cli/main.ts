// The `lab` command line: registers every command and turns errors into clear messages and exit codes.
import { Command, CommanderError } from 'commander';
import { exitCodeOf } from '../util/errors.js';
import { closeDockerClient } from '../backends/docker/client.js';
import { registerBench } from './commands/bench.js';
import { registerCompose } from './commands/compose.js';
import { registerDemo } from './commands/demo.js';
import { registerDispatch } from './commands/dispatch.js';
import { registerDoctor } from './commands/doctor.js';
import { registerExec } from './commands/exec.js';
import { registerFailures } from './commands/failures.js';
import { registerImages } from './commands/images.js';
import { registerLifecycle } from './commands/lifecycle.js';
import { registerLogs } from './commands/logs.js';
import { registerPlan } from './commands/plan.js';
import { registerShell } from './commands/shell.js';
import { registerRun } from './commands/run.js';
import { registerSpread } from './commands/spread.js';
import { registerShape } from './commands/shape.js';
import { registerCapture } from './commands/capture.js';
import { registerGraph } from './commands/graph.js';
import { registerStatus } from './commands/status.js';
import { registerTest } from './commands/test.js';

export function buildProgram(): Command {
  const program = new Command('lab')
    .description('oneip-lab: ONE-IP single-IP-image clusters (routing- and broadcast-based dispatching) on real kernels')
    .exitOverride()
    .showHelpAfterError('(lab --help lists the commands)');
  registerLifecycle(program);
  registerStatus(program);
  registerExec(program);
  registerPlan(program);
  registerCompose(program);
  registerDispatch(program);
  registerFailures(program);
  registerLogs(program);
  registerBench(program);
  registerRun(program);
  registerSpread(program);
  registerShape(program);
  registerCapture(program);
  registerGraph(program);
  registerDoctor(program);
  registerImages(program);
  registerDemo(program);
  registerShell(program);
  registerTest(program);
  return program;
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander printed its message already; help and version are not errors
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`lab: ${message}\n`);
    process.exitCode = exitCodeOf(err);
  } finally {
    // an engine reached over ssh keeps a connection open: the command is done with it
    closeDockerClient();
  }
}

void main();
