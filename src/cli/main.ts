// The `lab` command line: registers every command and turns errors into clear messages and exit codes.
// Start-up is kept to commander and the command declarations: each command's action imports what it runs
// (`await import(...)`) when it runs, so `lab --help` or `lab status` never load dockerode, ssh2, zod or the shell.
import { Command, CommanderError } from 'commander';
import { exitCodeOf } from '../util/errors.js';

type Register = (program: Command) => void;

/** Every command, in the order of `lab --help`: one line each, the module holding only its declaration. */
const COMMANDS: (() => Promise<Register>)[] = [
  () => import('./commands/lifecycle.js').then((m) => m.registerLifecycle),
  () => import('./commands/status.js').then((m) => m.registerStatus),
  () => import('./commands/exec.js').then((m) => m.registerExec),
  () => import('./commands/plan.js').then((m) => m.registerPlan),
  () => import('./commands/compose.js').then((m) => m.registerCompose),
  () => import('./commands/dispatch.js').then((m) => m.registerDispatch),
  () => import('./commands/failures.js').then((m) => m.registerFailures),
  () => import('./commands/logs.js').then((m) => m.registerLogs),
  () => import('./commands/bench.js').then((m) => m.registerBench),
  () => import('./commands/run.js').then((m) => m.registerRun),
  () => import('./commands/compare.js').then((m) => m.registerCompare),
  () => import('./commands/spread.js').then((m) => m.registerSpread),
  () => import('./commands/shape.js').then((m) => m.registerShape),
  () => import('./commands/capture.js').then((m) => m.registerCapture),
  () => import('./commands/graph.js').then((m) => m.registerGraph),
  () => import('./commands/doctor.js').then((m) => m.registerDoctor),
  () => import('./commands/images.js').then((m) => m.registerImages),
  () => import('./commands/demo.js').then((m) => m.registerDemo),
  () => import('./commands/shell.js').then((m) => m.registerShell),
  () => import('./commands/test.js').then((m) => m.registerTest),
];

export async function buildProgram(): Promise<Command> {
  const program = new Command('lab')
    .description('oneip-lab: ONE-IP single-IP-image clusters (routing- and broadcast-based dispatching) on real kernels')
    .exitOverride()
    .showHelpAfterError('(lab --help lists the commands)');
  // loaded together, registered in the table's order
  for (const register of await Promise.all(COMMANDS.map((load) => load()))) register(program);
  return program;
}

/** An engine reached over ssh keeps a connection open: the command is done with it (only then is the Docker client loaded). */
async function closeEngineConnection(): Promise<void> {
  if (!process.env.DOCKER_HOST?.startsWith('ssh://')) return;
  (await import('../backends/docker/client.js')).closeDockerClient();
}

async function main(): Promise<void> {
  try {
    await (await buildProgram()).parseAsync(process.argv);
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
    await closeEngineConnection();
  }
}

void main();
