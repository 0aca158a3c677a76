// `lab doctor`: prints each check with ok/missing and how to fix it; exit 1 when a required one fails.
import type { Command } from 'commander';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check root, iproute2, nft, iptables, kernel features and the Docker engine')
    .action(async () => {
      const [{ runDoctor }, { table }] = await Promise.all([import('../../lab/doctor.js'), import('../../present/output.js')]);
      const checks = await runDoctor();
      console.log(table(['check', 'status', 'detail / fix'], checks.map((c) => [c.name, c.ok ? 'ok' : c.required ? 'MISSING' : 'missing (optional)', c.ok ? c.detail : (c.fix ?? c.detail)])));
      if (checks.some((c) => c.required && !c.ok)) process.exitCode = 1;
    });
}
