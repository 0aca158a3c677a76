// `lab capture`'s pure parts: flags to options (bad ones exit 2 naming the flag), tcpdump's argv, deadlines, frames read back.
import t from 'tap';
import { parseFrameLine } from '../../src/capture/read-pcap.js';
import { COUNT_DEADLINE_MS, DEFAULT_DURATION_MS, deadlineMs, parseCaptureFlags, tcpdumpArgv } from '../../src/capture/tcpdump-args.js';
import { UsageError } from '../../src/util/errors.js';

t.test('flags', async (t) => {
  t.same(parseCaptureFlags({}), {});
  t.same(parseCaptureFlags({ iface: 'lan', write: 'x.pcap', filter: 'tcp port 80', count: '5', duration: '2s', link: true }), { iface: 'lan', file: 'x.pcap', filter: 'tcp port 80', count: 5, durationMs: 2000, link: true });
  for (const [flags, msg] of [
    [{ count: '0' }, /--count must be a whole number/],
    [{ count: 'many' }, /--count/],
    [{ duration: 'soon' }, /--duration expected a duration/],
    [{ write: 'x.txt' }, /-w FILE must end in \.pcap/],
    [{ iface: 'a b' }, /--iface must be an interface name/],
  ] as const) {
    t.throws(() => parseCaptureFlags(flags), UsageError);
    t.throws(() => parseCaptureFlags(flags), msg);
  }
});

t.test('deadlines', async (t) => {
  t.equal(deadlineMs({}), DEFAULT_DURATION_MS, 'neither: the default duration');
  t.equal(deadlineMs({ count: 3 }), COUNT_DEADLINE_MS, 'a count alone ends by a deadline');
  t.equal(deadlineMs({ count: 3, durationMs: 500 }), 500, 'the duration is the deadline of a count');
});

t.test('tcpdump argv', async (t) => {
  t.same(tcpdumpArgv('cl', {}), ['tcpdump', '-n', '-l', '--immediate-mode', '-i', 'cl', '-Z', 'root']);
  t.same(tcpdumpArgv('lan', { file: '/tmp/a.pcap', count: 2, filter: 'host 1.2.3.4', link: true }), ['tcpdump', '-n', '-l', '--immediate-mode', '-i', 'lan', '-Z', 'root', '-e', '-c', '2', '-U', '-w', '/tmp/a.pcap', '--print', 'host 1.2.3.4'], 'the filter is one argument, never split by a shell');
});

t.test('frames of tcpdump -e -n', async (t) => {
  const f = parseFrameLine('05:22:28.776121 02:42:c6:12:00:02 > ff:ff:ff:ff:ff:ff, ethertype IPv4 (0x0800), length 74: 198.18.128.7.42044 > 10.0.0.100.80: Flags [S], seq 1, length 0');
  t.match(f, { srcMac: '02:42:c6:12:00:02', dstMac: 'ff:ff:ff:ff:ff:ff', src: '198.18.128.7.42044', dst: '10.0.0.100.80' });
  const arp = parseFrameLine('05:22:28.776121 02:42:c6:12:00:02 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Request who-has 10.0.1.1 tell 10.0.1.10, length 28');
  t.match(arp, { dstMac: 'ff:ff:ff:ff:ff:ff' });
  t.equal(arp!.src, undefined, 'not IPv4: no addresses');
  t.equal(parseFrameLine('reading from file x'), undefined);
});
