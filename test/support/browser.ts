import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * A Chromium-family browser installed by the set-up, never by a test: Debian's chromium (which
 * .ci/run installs when missing) or the Google Chrome of GitHub's runners; CHROME_PATH wins.
 */
function browserPath(): string {
  const candidates = [
    process.env.CHROME_PATH,
    '/usr/bin/chromium',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
  ].filter((p): p is string => Boolean(p));
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      `No browser for the page tests at ${candidates.join(', ')}: install Debian's chromium (apt-get install chromium) or set CHROME_PATH`,
    );
  }
  return found;
}

/** A headless browser for the pages the command line writes; close it in `finally`. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: browserPath(), args: CHROMIUM_ARGS });
}
