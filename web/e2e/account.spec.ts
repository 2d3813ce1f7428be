import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const PASSWORD = 'correct horse battery';
const unique = (name: string) => `${name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@e2e.test`;

async function noSeriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(', ')}`)).toEqual([]);
}

/** A mail's text as written (the studio's mails are quoted-printable: long lines). */
const quotedPrintable = (raw: string) => raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

/** The link to `page` in the newest mail to `email`, as e2e/serve.sh's SMTP server filed it. */
async function mailedLink(email: string, page: string): Promise<string> {
  const dir = join(process.env.E2E_MAILDIR!, 'new');
  let link: string | undefined;
  await expect
    .poll(
      () => {
        const mails = (existsSync(dir) ? readdirSync(dir) : []).map((f) => quotedPrintable(readFileSync(join(dir, f), 'utf8')));
        const mine = mails.filter((m) => m.includes(email) && m.includes(`/${page}#token=`));
        link = mine.at(-1)?.match(new RegExp(`https?://\\S+/${page}#token=[\\w\\-.~%]+`))?.[0];
        return link;
      },
      { timeout: 20_000 },
    )
    .toBeTruthy();
  return link!;
}

async function signUp(page: Page, email: string) {
  await page.goto('/signup/');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.getByRole('heading', { name: 'Projects' })).toBeVisible();
}

test('the mailed links: verify the email, reset a forgotten password', async ({ page }) => {
  const email = unique('mia');
  await signUp(page, email);
  // No link mail at sign-up here (e2e/serve.sh lets unverified users render): ask for one.
  await page.goto('/verify-email/');
  await expect(page.getByTestId('outcome')).toContainText('needs the link from the mail');
  await page.getByRole('button', { name: 'Mail me a new link' }).click();
  await expect(page.getByTestId('sent')).toContainText(email);
  await page.goto(await mailedLink(email, 'verify-email'));
  await expect(page.getByTestId('outcome')).toHaveText('Your email is confirmed. You can render films now.');
  expect(page.url()).not.toContain('token=');
  await noSeriousViolations(page);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect(page.getByRole('heading', { name: 'Reset your password' })).toBeVisible();
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Mail me a link' }).click();
  await expect(page.getByTestId('outcome')).toContainText(email);
  await noSeriousViolations(page);

  await page.goto(await mailedLink(email, 'reset-password'));
  await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
  await page.getByLabel('New password').fill('a brand new secret');
  await page.getByRole('button', { name: 'Set the password' }).click();
  await expect(page.getByTestId('outcome')).toContainText('Your password is set');
  await noSeriousViolations(page);

  await page.getByRole('link', { name: 'Sign in' }).last().click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('form [role="alert"]')).toBeVisible();
  await page.getByLabel('Password').fill('a brand new secret');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Projects' })).toBeVisible();

  // A used link says so.
  await page.goto(await mailedLink(email, 'reset-password'));
  await page.getByLabel('New password').fill('yet another secret');
  await page.getByRole('button', { name: 'Set the password' }).click();
  await expect(page.getByTestId('outcome')).toContainText('already used');
});

test('sign-in offers the OpenID providers, going back to the page asked for', async ({ page }) => {
  await page.goto('/signin/?next=/credits/');
  const button = page.getByRole('link', { name: 'Sign in with Example ID' });
  await expect(button).toHaveAttribute('href', '/api/v1/auth/oidc/example/login?return_to=%2Fcredits%2F');
  await noSeriousViolations(page);
});

test('signing in with GitHub lands on the page asked for, signed in', async ({ page }) => {
  await page.goto('/signin/?next=/credits/');
  // e2e/serve.sh's fake GitHub consents at once and sends the browser back with a code
  await page.getByRole('link', { name: 'Sign in with GitHub' }).click();
  await expect(page).toHaveURL(/\/credits\/$/);
  await expect(page.getByRole('heading', { name: 'Credits' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  await noSeriousViolations(page);
});

test('▶ plays a sample of a character’s voice', async ({ page }) => {
  await signUp(page, unique('vo'));
  await page.getByLabel('Project name').fill('Voices');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('link', { name: 'Voices' }).click();
  await page.getByLabel('Script (Fountain)').fill('INT. ROOM - DAY\n\nMARA\nHello there.');
  await page.getByRole('button', { name: 'Hear the voice of MARA' }).click();
  const audio = page.getByTestId('voice-preview-MARA');
  await expect.poll(() => audio.evaluate((a: HTMLAudioElement) => a.duration || 0), { timeout: 30_000 }).toBeGreaterThan(0.2);
  await noSeriousViolations(page);
  await page.getByLabel('Voice for MARA').fill('no-such-voice');
  await page.getByRole('button', { name: 'Hear the voice of MARA' }).click();
  await expect(page.getByText(/unknown voice/)).toBeVisible();
});
