// `lab spread on|off`: lets wrk, ab or curl in the client reach every server, by giving each connection a random population address.
import type { Command } from 'commander';
import { UsageError } from '../../util/errors.js';

export function registerSpread(program: Command): void {
  program
    .command('spread')
    .description('on: connections from the client to the ghost leave from random population addresses (for wrk, ab, curl); off: undo')
    .argument('<state>', 'on | off')
    .option('--name <name>', 'lab name')
    .option('--addresses <n>', 'how many population addresses', '256')
    .action(async (state: string, opts: { name?: string; addresses: string }) => {
      if (state !== 'on' && state !== 'off') throw new UsageError(`spread: expected on or off, got "${state}"`);
      const [{ RunningLab }, { spreadStep, unspreadStep }] = await Promise.all([import('../../lab/running-lab.js'), import('../../lab/spread.js')]);
      const lab = await RunningLab.open(opts.name);
      const step = state === 'on' ? spreadStep(lab.state.topology, Number(opts.addresses)) : unspreadStep();
      await lab.applySteps('client', [step]);
      console.log(state === 'on' ? `client connections to ${lab.state.topology.ghost} now leave from ${opts.addresses} population addresses` : 'client connections leave from the client address again');
    });
}
