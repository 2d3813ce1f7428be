import { defineConfig } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// End to end against the real stack (e2e/serve.sh), driving Debian's Chromium: Playwright's own
// browser download cannot run here. 127.0.0.1 is a secure context, so the Secure refresh
// cookie works over plain http.
const PORT = Number(process.env.E2E_PORT ?? 8765);
// Where e2e/serve.sh's SMTP server files the studio's mails (read by e2e/account.spec.ts).
process.env.E2E_MAILDIR ??= join(mkdtempSync(join(tmpdir(), 'filmstudio-e2e-mail-')), 'maildir');

export default defineConfig({
  testDir: './e2e',
  timeout: 180_000,
  expect: { timeout: 15_000 },
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    launchOptions: { executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--autoplay-policy=no-user-gesture-required'] },
    acceptDownloads: true,
  },
  webServer: {
    command: './e2e/serve.sh',
    url: `http://127.0.0.1:${PORT}/health`,
    timeout: 240_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
