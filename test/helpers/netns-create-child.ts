// Child for the crash test: creates a farm lab (argv: lab, servers) and prints "start" just before, "done" after.
import { NetnsBackend } from '../../src/backends/netns/netns-backend.js';
import { farmLab } from './netns-lab-spec.js';

const [lab, servers] = process.argv.slice(2);
const backend = new NetnsBackend(lab!);
process.stdout.write('start\n');
await backend.create(farmLab(lab!, Number(servers ?? 16)));
process.stdout.write('done\n');
