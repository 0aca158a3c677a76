// An http.Agent that reaches a Docker engine over ONE ssh connection: each HTTP connection is a `docker system dial-stdio` channel on it.
import { Agent } from 'node:http';
import type { Duplex } from 'node:stream';
import { Client, type ConnectConfig } from 'ssh2';

/**
 * docker-modem's own ssh transport opens a new ssh connection (a full handshake) for every API call, and a
 * lab's `up` makes hundreds; sshd's MaxStartups then refuses some. This agent keeps one connection and opens
 * a channel per HTTP connection, kept alive for the next request, at most 8 at once (sshd allows 10 sessions
 * per connection).
 */
export class SshDockerAgent extends Agent {
  private client: Promise<Client> | undefined;

  constructor(private readonly config: ConnectConfig) {
    // keep-alive: a channel (and its dial-stdio process on the engine's host) serves request after request
    super({ keepAlive: true, maxSockets: 8, maxFreeSockets: 8 });
  }

  private connection(): Promise<Client> {
    this.client ??= new Promise<Client>((resolve, reject) => {
      const c = new Client();
      c.once('ready', () => resolve(c));
      c.once('error', (err) => {
        this.client = undefined;
        reject(err);
      });
      c.once('close', () => (this.client = undefined));
      c.connect(this.config);
    });
    return this.client;
  }

  /** A channel running `docker system dial-stdio`: its stdin/stdout is a connection to the remote engine's socket. */
  override createConnection(_options: unknown, done: (err: Error | null, socket?: Duplex) => void): undefined {
    this.connection().then(
      (c) =>
        c.exec('docker system dial-stdio', (err, channel) => {
          if (err) return done(err);
          done(null, asSocket(channel));
        }),
      (err: Error) => done(err),
    );
    return undefined;
  }

  /** Closes the ssh connection (its channels end with it). */
  override destroy(): void {
    super.destroy();
    void this.client?.then((c) => c.end()).catch(() => {});
    this.client = undefined;
  }
}

/** http calls a few net.Socket methods that a channel lacks: they have nothing to do here. */
function asSocket(channel: Duplex): Duplex {
  const s = channel as Duplex & Record<string, unknown>;
  for (const name of ['setKeepAlive', 'setNoDelay', 'ref', 'unref']) if (typeof s[name] !== 'function') s[name] = () => s;
  if (typeof s.setTimeout !== 'function') s.setTimeout = () => s;
  return channel;
}

/** ssh://user@host:port -> the connection settings (key from $SSH_AUTH_SOCK's agent, as the docker CLI does). */
export function sshConfigOf(dockerHost: string): ConnectConfig {
  const u = new URL(dockerHost);
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : 22,
    username: decodeURIComponent(u.username) || process.env.USER || 'root',
    agent: process.env.SSH_AUTH_SOCK,
    readyTimeout: 20_000,
    keepaliveInterval: 10_000,
  };
}
