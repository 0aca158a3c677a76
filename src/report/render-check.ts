// Renders a local HTML file in headless Debian chromium (file:// only, no network): a PNG screenshot or the rendered DOM.
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Where the Debian package `chromium` installs the browser (OLAB_CHROMIUM overrides it). */
export const CHROMIUM = '/usr/bin/chromium';
const TIMEOUT_MS = 90_000;

/** Whether chromium can be run here, and why not. */
export function chromiumStatus(): { ok: true; path: string } | { ok: false; reason: string } {
  const path = process.env.OLAB_CHROMIUM || CHROMIUM;
  try {
    accessSync(path, constants.X_OK);
    return { ok: true, path };
  } catch {
    return { ok: false, reason: `chromium not found at ${path} (install the Debian package: apt-get install -y chromium)` };
  }
}

function requireChromium(): string {
  const s = chromiumStatus();
  if (!s.ok) throw new Error(s.reason);
  return s.path;
}

/** The file:// URL of an existing local file; anything else is refused. */
function localUrl(htmlFile: string): string {
  const path = resolve(htmlFile);
  if (!statSync(path, { throwIfNoEntry: false })?.isFile()) throw new Error(`not a local file: ${path}`);
  return pathToFileURL(path).href;
}

/** Headless, sandboxless, offline flags with a throwaway profile. */
function flags(profile: string): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-extensions',
    '--disable-dev-shm-usage',
    '--no-default-browser-check',
    '--hide-scrollbars',
    '--mute-audio',
    `--user-data-dir=${profile}`,
  ];
}

/** Runs chromium on a local file with extra arguments and a fresh profile (removed afterwards); resolves with stdout. */
async function runChromium(htmlFile: string, extra: string[]): Promise<string> {
  const bin = requireChromium();
  const url = localUrl(htmlFile);
  const profile = mkdtempSync(resolve(tmpdir(), 'olab-chromium-'));
  try {
    return await new Promise((res, rej) => {
      execFile(bin, [...flags(profile), ...extra, url], { timeout: TIMEOUT_MS, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
        if (err) rej(new Error(`chromium failed on ${url}: ${err.message}\n${stderr.trim().split('\n').slice(-5).join('\n')}`));
        else res(stdout);
      });
    });
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Screenshots a local HTML file at 1200×1600 into pngFile; fails when chromium is missing or writes no image. */
export async function screenshotHtml(htmlFile: string, pngFile: string): Promise<void> {
  const out = resolve(pngFile);
  rmSync(out, { force: true });
  await runChromium(htmlFile, [`--screenshot=${out}`, '--window-size=1200,1600']);
  const size = statSync(out, { throwIfNoEntry: false })?.size ?? 0;
  if (size === 0) throw new Error(`chromium wrote no screenshot to ${out}`);
}

/** The DOM of a local HTML file after chromium has rendered it (serialized by --dump-dom). */
export async function domDump(htmlFile: string): Promise<string> {
  const dom = await runChromium(htmlFile, ['--dump-dom']);
  if (!dom.includes('<html')) throw new Error(`chromium dumped no DOM for ${htmlFile}`);
  return dom;
}
