// `lab capture NODE [--iface IF] [-w FILE.pcap] [--filter EXPR] [--count N | --duration D] [-e]`: tcpdump in a node, a line per packet.
import type { Command } from 'commander';

interface Flags {
  name?: string;
  iface?: string;
  write?: string;
  filter?: string;
  count?: string;
  duration?: string;
  link?: boolean;
}

export function registerCapture(program: Command): void {
  program
    .command('capture')
    .description("tcpdump inside a node (the host's tcpdump in the node's network namespace): a summary line per packet, the pcap written on the host with -w")
    .option('--name <name>', 'lab name (default: the only running lab)')
    .option('--iface <if>', "the node's interface (default: its LAN interface; the client's: cl; any: all of them)")
    .option('-w, --write <file.pcap>', 'write the packets to this pcap file on the host')
    .option('--filter <expr>', 'a pcap filter, e.g. "tcp port 80"')
    .option('--count <n>', 'stop after N packets (by the deadline of --duration, default 60s, at the latest)')
    .option('--duration <d>', 'stop after this long (default 10s without --count)')
    .option('-e, --link', 'show link-layer headers (MAC addresses)')
    .argument('<node>', 'node name (client, router, dispatcher, s0, ...)')
    .action(async (node: string, flags: Flags) => {
      const [{ startCapture }, { deadlineMs, parseCaptureFlags }, { RunningLab }] = await Promise.all([
        import('../../capture/capture.js'),
        import('../../capture/tcpdump-args.js'),
        import('../../lab/running-lab.js'),
      ]);
      const o = parseCaptureFlags(flags);
      const lab = await RunningLab.open(flags.name);
      const say = (text: string) => process.stderr.write(`${text}\n`);
      const cap = await startCapture(lab, node, o, (line) => process.stdout.write(`${line}\n`), say);
      const stop = () => cap.stop();
      process.once('SIGINT', stop);
      try {
        await cap.ready;
        const bound = [o.count === undefined ? '' : `${o.count} packets or `, `${deadlineMs(o) / 1000} s`].join('');
        say(`capturing on ${node} ${cap.iface}${o.filter ? ` (${o.filter})` : ''}: until ${bound} or Ctrl-C${o.file ? `; writing ${o.file}` : ''}`);
        const r = await cap.done;
        const why = r.endedBy === 'count' ? 'the count was reached' : r.endedBy === 'duration' ? `${deadlineMs(o) / 1000} s passed` : 'stopped';
        const short = o.count !== undefined && r.packets < o.count ? ` (${r.packets} of ${o.count})` : '';
        say(`${node} ${r.iface}: ${r.packets} packets captured${short}, ${why}${r.file ? `; pcap: ${r.file} (tcpdump -n -r ${r.file})` : ''}`);
      } finally {
        process.off('SIGINT', stop);
      }
    });
}
