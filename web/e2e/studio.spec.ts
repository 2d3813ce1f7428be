import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const PASSWORD = 'correct horse battery';
const IMAGES = join(__dirname, '../../samples/images');
const SCRIPT = `INT. LIGHTHOUSE - NIGHT

The lamp turns over a black sea.

MARA
It's still burning.

TOMAS
Then we wait for morning.`;

// The stream types of a media file as FFmpeg's libraries read them (PyAV, in the studio's venv:
// no ffprobe binary is needed on the machine).
const VENV_PYTHON = join(__dirname, '../../.venv/bin/python');
const streamTypes = (path: string): string[] =>
  JSON.parse(
    execFileSync(VENV_PYTHON, ['-c', 'import av, json, sys; print(json.dumps(sorted(s.type for s in av.open(sys.argv[1]).streams)))', path], { encoding: 'utf8' }),
  );

const unique = (name: string) => `${name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@e2e.test`;

async function noSeriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(', ')}`)).toEqual([]);
}

async function signUp(page: Page, email: string) {
  await page.goto('/signup/');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.getByRole('heading', { name: 'Projects' })).toBeVisible();
}

async function signIn(page: Page, email: string) {
  await page.goto('/signin/');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Projects' })).toBeVisible();
}

let projectUrl = '';

test('a new user renders a film, watches it, downloads it and sees the charge', async ({ page }) => {
  await page.goto('/signup/');
  await noSeriousViolations(page);
  await signUp(page, unique('ada'));
  await noSeriousViolations(page);
  const balanceBefore = await page.getByTestId('balance').textContent();

  await page.getByLabel('Project name').fill('The Lighthouse');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('link', { name: 'The Lighthouse' }).click();
  await expect(page.getByRole('heading', { name: 'The Lighthouse' })).toBeVisible();
  projectUrl = page.url();

  await page.getByLabel('Script (Fountain)').fill(SCRIPT);
  await expect(page.getByTestId('characters')).toHaveText(/MARA\s*TOMAS/);
  const painted = page.getByTestId('script-editor');
  await expect(painted.locator('[data-kind="heading"]')).toHaveText('INT. LIGHTHOUSE - NIGHT');
  await expect(painted.locator('[data-kind="cue"]')).toHaveCount(2);
  // The project keeps the script: a reload brings it back.
  await expect(async () => {
    await page.reload();
    await expect(page.getByLabel('Script (Fountain)')).toHaveValue(SCRIPT, { timeout: 3_000 });
  }).toPass({ timeout: 20_000 });
  await page.getByTestId('asset-input').setInputFiles(
    ['01_lighthouse_dusk.png', '02_open_sea.png', '03_night_sky.jpg'].map((f) => join(IMAGES, f)),
  );
  await expect(page.getByTestId('asset')).toHaveCount(3);
  await noSeriousViolations(page);

  await page.getByLabel('Duration (seconds)').fill('8');
  await page.getByLabel('Music').selectOption('none');
  await page.getByRole('button', { name: 'Render film' }).click();
  await expect(page).toHaveURL(/\/render\/\?job=/);
  await expect(page.getByTestId('job-status')).toHaveText(/Rendering|Queued|Finished/);
  await noSeriousViolations(page);
  await expect(page.getByTestId('job-status')).toHaveText(/Finished|Failed|Cancelled/, { timeout: 150_000 });
  expect(await page.getByTestId('failure').count(), await page.locator('main').innerText()).toBe(0);
  await expect(page.getByTestId('job-status')).toHaveText('Finished');
  await expect(page.getByTestId('stage-mux')).toHaveAttribute('data-done', 'true');

  const video = page.getByTestId('film');
  await expect(video).toBeVisible();
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.readyState)).toBeGreaterThanOrEqual(2);
  expect(await video.evaluate((v: HTMLVideoElement) => v.textTracks.length)).toBe(1);
  await video.evaluate((v: HTMLVideoElement) => {
    v.muted = true;
    return v.play();
  });
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 10_000 }).toBeGreaterThan(0.3);

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download MP4' }).click()]);
  const path = await download.path();
  // Audio and video, and the chapters' text track (a data stream) when the film has scenes.
  expect(streamTypes(path).filter((kind) => kind !== 'data')).toEqual(['audio', 'video']);

  await page.getByRole('link', { name: 'Projects' }).click();
  await expect(page.getByRole('img', { name: 'Latest film of The Lighthouse' })).toBeVisible();
  expect(await page.getByTestId('project-thumbnail').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);

  await page.getByRole('link', { name: 'Credits' }).click();
  await expect(page.getByTestId('ledger')).toContainText('Render charged');
  await expect(page.getByTestId('balance')).not.toHaveText(balanceBefore ?? '');
  await noSeriousViolations(page);
});

test('another user gets "not found"; an admin grant changes their balance', async ({ page, browser }) => {
  const email = unique('eve');
  await signUp(page, email);
  await page.goto(projectUrl || '/projects/view/?id=00000000-0000-0000-0000-000000000000');
  await expect(page.getByRole('heading', { name: 'Not found' })).toBeVisible();
  const before = await page.getByTestId('balance').textContent();

  const adminPage = await (await browser.newContext()).newPage();
  const admin = 'admin@e2e.test';
  await adminPage.goto('/signup/');
  await adminPage.getByLabel('Email').fill(admin);
  await adminPage.getByLabel('Password').fill(PASSWORD);
  await adminPage.getByRole('button', { name: 'Sign up' }).click();
  await expect(adminPage.getByRole('heading', { name: 'Projects' })).toBeVisible();
  await adminPage.getByRole('link', { name: 'Admin' }).click();
  await adminPage.getByLabel(`Credits to grant ${email}`).fill('250');
  await adminPage.getByLabel(`Credits to grant ${email}`).press('Enter');
  await noSeriousViolations(adminPage);

  await page.reload(); // the reload also proves the session survives via the refresh cookie
  await expect(page.getByTestId('balance')).not.toHaveText(before ?? '', { timeout: 20_000 });
});

test('Arabic lays out right to left; Hindi shows Devanagari; sign out and back in', async ({ page }) => {
  const email = unique('nour');
  await signUp(page, email);
  await page.getByLabel('Language').selectOption('ar');
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
  await expect(page.getByRole('heading', { name: 'المشاريع' })).toBeVisible();
  await noSeriousViolations(page);
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('dir', 'rtl');
  await page.getByLabel('اللغة').selectOption('hi');
  await expect(page.locator('html')).toHaveAttribute('dir', 'ltr');
  await expect(page.getByRole('heading', { name: 'परियोजनाएँ' })).toBeVisible();
  await page.getByLabel('भाषा').selectOption('en');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await page.goto('/projects/');
  await expect(page).toHaveURL(/\/signin\//);
  await signIn(page, email);
});

test('a reload refreshes the session silently; a replayed refresh cookie signs the user out', async ({ page, context }) => {
  await signUp(page, unique('kim'));
  await page.getByLabel('Project name').fill('Draft');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('button', { name: 'Rename' }).click();
  await page.getByRole('textbox', { name: 'Project name' }).last().fill('Second draft');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByRole('dialog')).toContainText('Second draft');
  await noSeriousViolations(page);
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByText('No projects yet.')).toBeVisible();
  const stolen = (await context.cookies()).find((c) => c.name === 'filmstudio_refresh');
  expect(stolen?.httpOnly).toBe(true);
  expect(stolen?.sameSite).toBe('Strict');
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Projects' })).toBeVisible();
  await expect(page.getByTestId('balance')).toBeVisible();

  await context.addCookies([stolen!]); // the already used token comes back
  await page.reload();
  await expect(page).toHaveURL(/\/signin\//);
});

test('cancel stops a running render', async ({ page }) => {
  await signUp(page, unique('lee'));
  await page.getByLabel('Project name').fill('Long night');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('link', { name: 'Long night' }).click();
  await page.getByLabel('Script (Fountain)').fill(SCRIPT);
  await page.getByLabel('Duration (seconds)').fill('120');
  await page.getByRole('button', { name: 'Render film' }).click();
  await page.getByRole('button', { name: 'Cancel render' }).click();
  await expect(page.getByTestId('job-status')).toHaveText('Cancelled', { timeout: 60_000 });
});
