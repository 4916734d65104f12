// A real headless Chromium for the browser tests: the system's (Debian's `chromium` package, which
// .ci/run installs when it is missing), driven by playwright-core. Playwright's own browser downloads
// are not used. No browser is a failure, never a skip.
import fs from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** CHROMIUM_PATH when set, else the first system Chromium found; throws, saying how to get one, when none is. */
export function chromiumPath(env: Record<string, string | undefined> = process.env): string {
  const candidates = env.CHROMIUM_PATH ? [env.CHROMIUM_PATH] : ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
  const found = candidates.find((file) => fs.existsSync(file));
  if (!found) {
    throw new Error(
      `no Chromium at ${candidates.join(' or ')}: install it (apt-get install -y chromium) or point CHROMIUM_PATH at one; the browser tests cannot run without it`,
    );
  }
  return found;
}

export function launchChromium(): Promise<Browser> {
  // As root (CI, containers) Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox'] });
}
