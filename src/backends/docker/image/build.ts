// Makes sure the node image exists: cached by recipe hash, else built offline (mmdebstrap + docker import) or from the Dockerfile.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { dockerClient, followProgress, statusOf } from '../client.js';
import { ensureMmdebstrap } from '../setup.js';
import { buildRootfsTarball, haveProgram, ImageBuildError } from './mmdebstrap.js';
import { IMAGE_RECIPE_LABEL, imageRepo, importChanges, imagesDir, loadRecipe, type ImageRecipe } from './recipe.js';

export type BuildMethod = 'auto' | 'mmdebstrap' | 'dockerfile';

export interface EnsureImageOptions {
  docker?: Docker;
  method?: BuildMethod;
  /** build even when the tag exists */
  force?: boolean;
  /** progress text (a spinner's): one per step */
  onStep?: (text: string) => void;
  /** each output line of mmdebstrap or docker build (default: onStep) */
  onLine?: (text: string) => void;
  recipe?: ImageRecipe;
  /** how `auto` decides (tests replace them) */
  probes?: Partial<MethodProbes>;
}

/** What `auto` looks at: mmdebstrap here, a registry there, and whether mmdebstrap can be installed. */
export interface MethodProbes {
  haveMmdebstrap(): Promise<boolean>;
  registryAnswers(): Promise<boolean>;
  installMmdebstrap(step: (t: string) => void): Promise<boolean>;
}

/** The registry `docker build` pulls debian:bookworm-slim from ($OLAB_REGISTRY_URL for tests). */
export function registryUrl(): string {
  return process.env.OLAB_REGISTRY_URL || 'https://registry-1.docker.io/v2/';
}

/** Whether the registry answers HTTP at all within timeoutMs (401 is an answer). */
export async function registryAnswers(timeoutMs = 3000): Promise<boolean> {
  try {
    await fetch(registryUrl(), { signal: AbortSignal.timeout(timeoutMs) });
    return true;
  } catch {
    return false;
  }
}

const defaultProbes: MethodProbes = { haveMmdebstrap: () => haveProgram('mmdebstrap'), registryAnswers: () => registryAnswers(), installMmdebstrap: ensureMmdebstrap };

/**
 * `auto`: offline with mmdebstrap when it is installed; else the Dockerfile when a registry answers; else install
 * mmdebstrap (root) and build offline. Says why.
 */
export async function pickBuildMethod(step: (t: string) => void, probes: Partial<MethodProbes> = {}): Promise<{ method: Exclude<BuildMethod, 'auto'>; why: string }> {
  const p = { ...defaultProbes, ...probes };
  if (await p.haveMmdebstrap()) return { method: 'mmdebstrap', why: 'mmdebstrap is installed: offline build' };
  if (await p.registryAnswers()) return { method: 'dockerfile', why: `no mmdebstrap; the registry ${registryUrl()} answers: docker build` };
  step(`no registry answers (${registryUrl()}): building offline with mmdebstrap`);
  if (await p.installMmdebstrap(step)) return { method: 'mmdebstrap', why: `no registry answers: mmdebstrap installed, offline build` };
  throw new ImageBuildError(`no registry answers (${registryUrl()}) and mmdebstrap is missing: install it (apt-get install mmdebstrap) or run as root to let the lab install it`);
}

export interface EnsureImageResult {
  tag: string;
  /** false: the tag was there already */
  built: boolean;
  method?: Exclude<BuildMethod, 'auto'>;
  seconds: number;
}

export async function imageExists(docker: Docker, tag: string): Promise<boolean> {
  try {
    await docker.getImage(tag).inspect();
    return true;
  } catch (err) {
    if (statusOf(err) === 404) return false;
    throw err;
  }
}

async function imageId(docker: Docker, tag: string): Promise<string | undefined> {
  try {
    return (await docker.getImage(tag).inspect()).Id;
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    throw err;
  }
}

/** The image for this checkout's recipe; builds it only when its tag is missing (or `force`). */
export async function ensureLabImage(options: EnsureImageOptions = {}): Promise<EnsureImageResult> {
  const t0 = performance.now();
  const docker = options.docker ?? dockerClient();
  const recipe = options.recipe ?? loadRecipe();
  const step = options.onStep ?? (() => {});
  const line = options.onLine ?? step;
  const seconds = (): number => (performance.now() - t0) / 1000;
  if (!options.force && (await imageExists(docker, recipe.tag))) return { tag: recipe.tag, built: false, seconds: seconds() };
  const previous = await imageId(docker, recipe.tag);
  let method = options.method ?? 'auto';
  if (method === 'auto') {
    const picked = await pickBuildMethod(step, options.probes);
    step(`node image ${recipe.tag}: ${picked.why}`);
    method = picked.method;
  }
  if (method === 'mmdebstrap') await buildWithMmdebstrap(docker, recipe, step, line);
  else await buildWithDockerfile(docker, recipe, step, line);
  await docker.getImage(recipe.tag).tag({ repo: imageRepo(), tag: 'latest' });
  // a forced rebuild leaves the old image without a tag: remove it unless a container still uses it
  if (previous && previous !== (await imageId(docker, recipe.tag))) await docker.getImage(previous).remove().catch(() => {});
  return { tag: recipe.tag, built: true, method, seconds: seconds() };
}

async function buildWithMmdebstrap(docker: Docker, recipe: ImageRecipe, step: (t: string) => void, line: (t: string) => void): Promise<void> {
  await ensureMmdebstrap(step);
  const dir = await mkdtemp(join(tmpdir(), 'olab-image-'));
  try {
    const tarball = join(dir, 'rootfs.tar');
    step(`mmdebstrap: ${recipe.packages.length} packages into a bookworm minbase`);
    await buildRootfsTarball(recipe, tarball, (l) => line(`mmdebstrap: ${l.slice(0, 100)}`));
    const size = (await stat(tarball)).size;
    step(`docker import (${(size / 1e6).toFixed(0)} MB) as ${recipe.tag}`);
    const [repo, tag] = recipe.tag.split(':') as [string, string];
    const stream = (await docker.importImage(tarball, { repo, tag, changes: importChanges(recipe.hash) } as object)) as NodeJS.ReadableStream;
    await followProgress(docker, stream);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (!(await imageExists(docker, recipe.tag))) throw new ImageBuildError(`docker import finished but ${recipe.tag} is missing`);
}

async function buildWithDockerfile(docker: Docker, recipe: ImageRecipe, step: (t: string) => void, onLine: (t: string) => void): Promise<void> {
  step(`docker build ${imagesDir()} (needs debian:bookworm-slim from a registry)`);
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.buildImage(
      { context: imagesDir(), src: ['Dockerfile', 'packages.txt'] },
      { t: recipe.tag, labels: { [IMAGE_RECIPE_LABEL]: recipe.hash } },
    );
    await followProgress(docker, stream, (e) => {
      const line = (e.stream ?? e.status ?? '').trim();
      if (line) onLine(`docker build: ${line.slice(0, 100)}`);
    });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new ImageBuildError(`docker build of ${recipe.tag} failed: ${msg}\n(no registry? install mmdebstrap and build offline: ./lab images build --method mmdebstrap)`);
  }
}

export interface LabImage {
  tag: string;
  id: string;
  created: Date;
  sizeMb: number;
  current: boolean;
}

/** Every oneip-lab/node image (imageRepo()) the engine has; `current` marks this checkout's recipe. */
export async function listLabImages(docker: Docker = dockerClient()): Promise<LabImage[]> {
  const current = loadRecipe().tag;
  const repo = imageRepo();
  const images = await docker.listImages({ filters: { reference: [`${repo}:*`] } });
  return images
    .flatMap((i) =>
      (i.RepoTags ?? [])
        .filter((t) => t.startsWith(`${repo}:`))
        .map((tag) => ({ tag, id: i.Id.replace(/^sha256:/, '').slice(0, 12), created: new Date(i.Created * 1000), sizeMb: i.Size / 1e6, current: tag === current })),
    )
    .sort((a, b) => b.created.getTime() - a.created.getTime());
}
