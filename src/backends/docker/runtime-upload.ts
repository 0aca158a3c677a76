// Copies the project's runtime into containers (dist/, package.json, the packages scripts in nodes import), for engines that cannot bind-mount this host's files.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type Docker from 'dockerode';
import { projectRoot } from '../../util/paths.js';
import { BackendError } from '../backend.js';
import { debugCommand } from '../common/debug.js';

/** Scripts that run inside nodes (servers, probes, the load generator, watchd's prober): the packages they import come along. */
const NODE_SCRIPTS = ['load/main', 'server/http-server', 'server/probe', 'server/udp-burst', 'watchd/prober', 'watchd/served-probe', 'bench/udp-flood'];

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s*['"]([^'"]+)['"]/gm;

/** Bare package names the built scripts import, following their relative imports. */
export function packagesImported(distSrc: string, scripts: string[]): string[] {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3]!;
      if (spec.startsWith('.')) visit(join(dirname(file), spec));
      else if (!spec.startsWith('node:')) packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  };
  for (const s of scripts) visit(join(distSrc, `${s}.js`));
  return [...packages].sort();
}

/** The packages and, transitively, their dependencies, as installed in node_modules. */
export function packageClosure(root: string, names: string[]): string[] {
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const pkg = JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep);
  };
  names.forEach(visit);
  return [...seen].sort();
}

/** A tar of the runtime, with paths relative to / so it unpacks at the project's own path in a container. */
export function runtimeArchive(): Promise<Buffer> {
  const root = projectRoot();
  const rel = relative('/', root);
  const packages = packageClosure(root, packagesImported(join(root, 'dist', 'src'), NODE_SCRIPTS));
  const paths = [join(rel, 'dist'), join(rel, 'package.json'), ...packages.map((p) => join(rel, 'node_modules', p))];
  const argv = ['tar', '-c', '--exclude=*.map', '-C', '/', ...paths];
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    // not run(): the archive is binary, and large
    const tar = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    tar.stdout.on('data', (b: Buffer) => out.push(b));
    tar.stderr.on('data', (b: Buffer) => (err += b.toString()));
    tar.on('error', (e) => reject(new BackendError(`tar of the runtime: ${e.message}`)));
    tar.on('close', (code) => {
      debugCommand('host', argv, code ?? 'killed', performance.now() - t0);
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new BackendError(`tar of the runtime exited ${code}: ${err.trim()}`));
    });
  });
}

/** Unpacks the runtime at / in every container (before or after they start). */
export async function uploadRuntime(docker: Docker, containers: string[]): Promise<void> {
  const archive = await runtimeArchive();
  await Promise.all(containers.map((name) => docker.getContainer(name).putArchive(archive, { path: '/' })));
}
