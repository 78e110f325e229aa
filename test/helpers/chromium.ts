// Chromium for the page tests: found the way `npm test`'s set-up finds it (scripts/test-setup.ts:
// $CHROMIUM_PATH, then chromium, chromium-browser, google-chrome on PATH), launched headless through
// playwright-core with that executable — never a downloaded browser.

import { type Browser, chromium } from 'playwright-core';
import { CHROMIUM, findProgram } from '../../scripts/test-setup.js';

/** Headless, sandbox off (tests run as root in CI), and nothing that phones home. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The Chromium executable, or an error that says how to get one. */
export function chromiumPath(): string {
  const lookup = findProgram(CHROMIUM);
  if (!lookup.found) {
    throw new Error(`${lookup.problem}: run \`npm test\` (its pretest step installs or names it)`);
  }
  return lookup.path;
}

/** Launches the system's Chromium. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: [...CHROMIUM_ARGS] });
}
