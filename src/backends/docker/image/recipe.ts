// The lab node image's recipe (package list, build options) and its content-hash tag oneip-lab/node:<hash>.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../../util/paths.js';

/** Bump when the build steps change in a way the inputs below do not show. */
export const RECIPE_VERSION = 1;
export const SUITE = 'bookworm';
export const IMAGE_REPO = 'oneip-lab/node';

/**
 * The repository of the node image's tags (<repo>:<recipe hash> and <repo>:latest): $OLAB_IMAGE_REPO, else
 * oneip-lab/node. Another repository is a machine without the image as far as the lab can tell (a first run,
 * timed without touching the image other labs use).
 */
export function imageRepo(): string {
  return process.env.OLAB_IMAGE_REPO || IMAGE_REPO;
}
/** Label on the image: the recipe hash it was built from. */
export const IMAGE_RECIPE_LABEL = 'oneip-lab.recipe';

/** mmdebstrap options of the offline build (besides --include, suite and target). */
export const MMDEBSTRAP_OPTIONS: readonly string[] = [
  '--variant=minbase',
  // merged /usr from mmdebstrap's hook, as in debian:bookworm-slim: keeps usrmerge and its perl (about 50 MB) out
  '--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr',
  '--aptopt=Acquire::Check-Valid-Until "false"',
  '--aptopt=APT::Install-Recommends "false"',
  '--dpkgopt=path-exclude=/usr/share/man/*',
  '--dpkgopt=path-exclude=/usr/share/locale/*',
  '--dpkgopt=path-exclude=/usr/share/doc/*',
  '--dpkgopt=path-include=/usr/share/doc/*/copyright',
];

/** Dockerfile-style settings given to `docker import` (the Dockerfile states the same). */
export function importChanges(hash: string): string[] {
  return [
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'ENTRYPOINT ["/usr/bin/tini", "--"]',
    'CMD ["sleep", "infinity"]',
    `LABEL ${IMAGE_RECIPE_LABEL}=${hash}`,
  ];
}

export interface ImageRecipe {
  packages: string[];
  dockerfile: string;
  /** first 12 hex digits of the sha256 over every input */
  hash: string;
  /** oneip-lab/node:<hash> (imageRepo()) */
  tag: string;
}

export function imagesDir(): string {
  return join(projectRoot(), 'images');
}

/** Package names from packages.txt: one a line, '#' comments and blank lines ignored. */
export function parsePackages(text: string): string[] {
  const names = text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
  for (const n of names) {
    if (!/^[a-z0-9][a-z0-9+.-]+$/.test(n)) throw new Error(`images/packages.txt: "${n}" is not a Debian package name`);
  }
  return [...new Set(names)].sort();
}

export function recipeHash(packages: string[], dockerfile: string): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ v: RECIPE_VERSION, suite: SUITE, packages, mm: MMDEBSTRAP_OPTIONS, changes: importChanges(''), dockerfile }));
  return h.digest('hex').slice(0, 12);
}

/** Reads images/packages.txt and images/Dockerfile of this checkout. */
export function loadRecipe(dir = imagesDir()): ImageRecipe {
  const packages = parsePackages(readFileSync(join(dir, 'packages.txt'), 'utf8'));
  const dockerfile = readFileSync(join(dir, 'Dockerfile'), 'utf8');
  const hash = recipeHash(packages, dockerfile);
  return { packages, dockerfile, hash, tag: `${imageRepo()}:${hash}` };
}

/** The image tag the Docker backend uses unless told otherwise: $OLAB_IMAGE, else this checkout's recipe tag. */
export function defaultImageTag(): string {
  return process.env.OLAB_IMAGE || loadRecipe().tag;
}
