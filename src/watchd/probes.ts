// The two probes of the prober: HTTP GET /health on a server, and a TCP handshake sent through one dispatcher.
import { request } from 'node:http';
import { connect } from 'node:net';

/** undefined when the target answered, else why not. */
export type ProbeOutcome = string | undefined;

/** GET http://address:port/health with a fresh connection; a 200 within timeoutMs is an answer. */
export function httpHealth(address: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    const req = request({ host: address, port, path: '/health', agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      res.on('end', () => finish(res.statusCode === 200 ? undefined : `status ${res.statusCode}`));
      res.on('error', (e) => finish(errorName(e)));
    });
    req.on('error', (e) => finish(errorName(e)));
    req.end();
    function finish(outcome: ProbeOutcome): void {
      clearTimeout(timer);
      req.destroy();
      resolve(outcome);
    }
  });
}

/**
 * A TCP handshake from localAddress:localPort to address:port, then a reset (so no TIME_WAIT is left to collide with
 * the port's next use). The router routes these ports through one dispatcher: an answer proves it forwards.
 */
export function tcpHandshake(address: string, port: number, localAddress: string, localPort: number, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, localAddress, localPort });
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    socket.once('connect', () => finish(undefined));
    socket.once('error', (e) => finish(errorName(e)));
    function finish(outcome: ProbeOutcome): void {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.on('error', () => {});
      if (outcome === undefined && !socket.destroyed) socket.resetAndDestroy();
      else socket.destroy();
      resolve(outcome);
    }
  });
}

function errorName(e: Error): string {
  return (e as NodeJS.ErrnoException).code ?? e.message;
}
