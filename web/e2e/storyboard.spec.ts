import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { join } from 'node:path';

const PASSWORD = 'correct horse battery';
const IMAGES = join(__dirname, '../../samples/images');
const SCRIPT = `INT. LIGHTHOUSE - NIGHT

The lamp turns over a black sea.

MARA
It's still burning.

Waves break on the rocks below.

TOMAS
Then we wait for morning.`;
const EDITED = 'The lamp will hold till dawn.';

const unique = (name: string) => `${name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@e2e.test`;

async function noSeriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(', ')}`)).toEqual([]);
}

test('the storyboard: make it, edit a line, reorder, pick a picture, render the edited line', async ({ page, context }) => {
  await page.goto('/signup/');
  await page.getByLabel('Email').fill(unique('sb'));
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByLabel('Project name').fill('Board');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('link', { name: 'Board' }).click();
  await page.getByLabel('Script (Fountain)').fill(SCRIPT);
  await expect(page.getByTestId('characters')).toHaveText(/MARA\s*TOMAS/);
  await page.getByTestId('asset-input').setInputFiles(['01_lighthouse_dusk.png', '02_open_sea.png'].map((f) => join(IMAGES, f)));
  await expect(page.getByTestId('asset')).toHaveCount(2);
  await page.getByLabel('Duration (seconds)').fill('12');
  await page.getByLabel('Music').selectOption('none');
  await page.getByRole('button', { name: 'Open the storyboard' }).click();
  await expect(page).toHaveURL(/\/projects\/storyboard\/\?id=/);

  await page.getByRole('button', { name: 'Make the storyboard' }).click();
  await expect(page.getByTestId('shot').first()).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('still').first()).toBeVisible();
  const shots = await page.getByTestId('shot').count();
  await noSeriousViolations(page);

  // Edit Mara's line in place: saved at once, still there after a reload.
  const line = page.getByLabel(/^Line of MARA in shot/);
  await line.fill(EDITED);
  await line.press('Enter');
  await expect(async () => {
    await page.reload();
    await expect(page.getByLabel(/^Line of MARA in shot/)).toHaveValue(EDITED, { timeout: 3_000 });
  }).toPass({ timeout: 20_000 });

  // Pick a picture for shot 1 (by the list; dragging does the same).
  await page.getByLabel('Picture of shot 1').selectOption({ label: '02_open_sea.png' });
  await expect(page.getByLabel('Picture of shot 1')).toHaveValue(/.+/);
  await expect(page.getByRole('button', { name: 'Redraw still 1' })).toBeEnabled();
  // … or drag a picture from the project's images onto the shot.
  // (the page's own drag events, one DataTransfer carried from the picture to the shot)
  const carried = await page.evaluateHandle(() => new DataTransfer());
  await page.getByTestId('board-asset').filter({ hasText: '01_lighthouse_dusk.png' }).dispatchEvent('dragstart', { dataTransfer: carried });
  await page.getByTestId('shot').first().dispatchEvent('dragover', { dataTransfer: carried });
  await page.getByTestId('shot').first().dispatchEvent('drop', { dataTransfer: carried });
  await expect(page.getByLabel('Picture of shot 1').locator('option:checked')).toHaveText('01_lighthouse_dusk.png');
  await expect(page.getByRole('button', { name: 'Redraw still 1' })).toBeEnabled();
  // Redraw the still of the shot whose picture changed.
  await page.getByRole('button', { name: 'Redraw still 1' }).click();
  await expect(page.getByRole('img', { name: 'Still of shot 1' })).toBeVisible({ timeout: 60_000 });

  // Reorder by keyboard when the scene has two shots or more.
  if (shots > 1) {
    const first = await page.getByTestId('shot').first().getByTestId('speaker').allTextContents();
    await page.getByRole('button', { name: 'Move shot 1 later' }).click();
    await expect(page.getByTestId('shot').nth(1).getByTestId('speaker')).toHaveText(first);
    // … and back by dragging the moved shot onto the first card.
    await expect(page.getByRole('button', { name: 'Move shot 1 later' })).toBeEnabled();
    const dragged = await page.evaluateHandle(() => new DataTransfer());
    await page.getByTestId('shot').nth(1).dispatchEvent('dragstart', { dataTransfer: dragged });
    await page.getByTestId('shot').first().dispatchEvent('dragover', { dataTransfer: dragged });
    await page.getByTestId('shot').first().dispatchEvent('drop', { dataTransfer: dragged });
    await expect(page.getByTestId('shot').first().getByTestId('speaker')).toHaveText(first);
  }
  expect(shots, 'the scene has a shot per action paragraph').toBeGreaterThan(1);

  // Another tab saves first: this tab's edit is refused with a clear message and the newer shown.
  const other = await context.newPage();
  await other.goto(page.url());
  await other.getByLabel(/^Line of TOMAS in shot/).fill('Then we wait.');
  await other.getByLabel(/^Line of TOMAS in shot/).press('Enter');
  await expect(other.getByLabel(/^Line of TOMAS in shot/)).toBeEnabled();
  await other.waitForLoadState('networkidle');
  await other.close();
  await page.getByLabel(/^Line of TOMAS in shot/).fill('Stale words.');
  await page.getByLabel(/^Line of TOMAS in shot/).press('Enter');
  await expect(page.getByTestId('board-notice')).toContainText('changed this storyboard');
  await expect(page.getByLabel(/^Line of TOMAS in shot/)).toHaveValue('Then we wait.');

  await page.getByRole('button', { name: 'Render film' }).click();
  await expect(page).toHaveURL(/\/render\/\?job=/);
  await expect(page.getByTestId('job-status')).toHaveText(/Finished|Failed|Cancelled/, { timeout: 150_000 });
  expect(await page.getByTestId('failure').count(), await page.locator('main').innerText()).toBe(0);
  await expect(page.getByTestId('job-status')).toHaveText('Finished');
  const video = page.getByTestId('film');
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.textTracks.length)).toBe(1);
  // The subtitle track carries the edited line.
  const cues = await video.evaluate(async (v: HTMLVideoElement) => {
    const track = v.textTracks[0];
    track.mode = 'hidden';
    for (let i = 0; i < 50 && !(track.cues && track.cues.length); i++) await new Promise((r) => setTimeout(r, 100));
    return Array.from(track.cues ?? []).map((c) => (c as VTTCue).text);
  });
  expect(cues.join('\n')).toContain(EDITED);
});
