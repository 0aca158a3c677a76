// Minimal HTTP responder run on each server node: answers with the server's name (GET /, /health).
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { name: { type: 'string' }, port: { type: 'string', default: '80' } } });
const name = values.name;
if (!name) {
  console.error('responder: --name is required');
  process.exit(2);
}

const server = createServer((req, res) => {
  const body = req.url === '/health' ? 'ok\n' : `${name}\n`;
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), 'x-served-by': name });
  res.end(body);
});
server.keepAliveTimeout = 5000;
server.listen(Number(values.port), '0.0.0.0', () => console.log(`responder ${name} listening on :${values.port}`));
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => server.close(() => process.exit(0)));
