// Sends exactly one UDP datagram from each given source address to a target, for counting packets per client in the kernel.
import { createSocket } from 'node:dgram';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { target: { type: 'string' }, port: { type: 'string', default: '9' }, from: { type: 'string' } } });
if (!values.target || !values.from) {
  console.error('udp-burst: --target ADDRESS and --from A,B,C are required');
  process.exit(2);
}

async function sendFrom(source: string): Promise<void> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ address: source, port: 0 }, () => {
      socket.send(Buffer.from(`oneip ${source}`), Number(values.port), values.target, (err) => (err ? reject(err) : resolve()));
    });
  });
  socket.close();
}

let sent = 0;
for (const source of values.from.split(',')) {
  await sendFrom(source);
  sent++;
}
console.log(JSON.stringify({ sent }));
