// The generator's --target as a URL: http://NAME[:PORT]/PATH split into the host, port and path flags (a plain address or name stays as given).
import { LoadUsageError } from './errors.js';

export interface TargetFlags {
  target: string;
  port?: string;
  path?: string;
}

/** `http://www.oneip.lab:8080/x?y` -> {target: www.oneip.lab, port: 8080, path: /x?y}; a port or path given twice is refused. */
export function splitTargetUrl(flags: TargetFlags): TargetFlags {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(flags.target)) return flags;
  let url: URL;
  try {
    url = new URL(flags.target);
  } catch {
    throw new LoadUsageError('--target', `not a URL: "${flags.target}"`);
  }
  if (url.protocol !== 'http:') throw new LoadUsageError('--target', `only http:// URLs, got "${flags.target}"`);
  if (url.username || url.password || url.hash) throw new LoadUsageError('--target', `expected http://HOST[:PORT]/PATH, got "${flags.target}"`);
  const path = `${url.pathname}${url.search}`;
  if (url.port !== '' && flags.port !== undefined) throw new LoadUsageError('--port', `the target URL has a port already (${url.port})`);
  if (path !== '/' && flags.path !== undefined) throw new LoadUsageError('--path', `the target URL has a path already (${path})`);
  return {
    target: url.hostname,
    port: url.port === '' ? flags.port : url.port,
    path: path === '/' ? flags.path : path,
  };
}
