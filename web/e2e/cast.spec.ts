import { expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PASSWORD = 'correct horse battery';
const ROOT = join(__dirname, '../..');
const SCRIPT = `INT. PIER - DAY

IRIS
Bob met Pam by the map.

TEO
Maybe, maybe not.`;

const unique = (name: string) => `${name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@e2e.test`;

test('the cast panel: a sheet for IRIS, her mouth point clicked, rendered', async ({ page }) => {
  // A character sheet (a 200×300 character, mouths A–H and X), made by the tests' own helper.
  const sheet = join(mkdtempSync(join(tmpdir(), 'cast-')), 'iris.zip');
  execFileSync(join(ROOT, '.venv/bin/python'), ['-c', `from tests.utils.characters import make_sheet; make_sheet(${JSON.stringify(sheet)})`], { cwd: ROOT });

  await page.goto('/signup/');
  await page.getByLabel('Email').fill(unique('cast'));
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByLabel('Project name').fill('Pier');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('link', { name: 'Pier' }).click();
  await page.getByLabel('Script (Fountain)').fill(SCRIPT);

  // The API lists the saved script's characters; IRIS gets her sheet.
  await expect(page.getByTestId('cast-member')).toHaveCount(2);
  await page.getByLabel('Look of IRIS').selectOption('sheet');
  await page.getByLabel('Upload a character sheet for IRIS').setInputFiles(sheet);
  const picture = page.getByRole('button', { name: 'Picture of IRIS: click where the mouth is' });
  await expect(picture.locator('img')).toBeVisible();
  // Its picture has no face the detector finds: the cast is not saved until the mouth is given.
  await expect(page.getByRole('alert').filter({ hasText: 'settings.cast.IRIS.mouth' })).toBeVisible();
  await expect(page.getByTestId('mouth')).toHaveText('No face found; click the picture where the mouth is');
  // A click on the picture sets the mouth point in the picture's own pixels (200×300 shown smaller).
  const box = (await picture.locator('img').boundingBox())!;
  await picture.click({ position: { x: box.width / 2, y: (box.height * 2) / 3 } });
  await expect(page.getByTestId('mouth')).toHaveText(/^Mouth at (99|100|101), (199|200|201)$/);
  await expect(page.getByTestId('mouth-mark')).toBeVisible();

  await page.getByLabel('Duration (seconds)').fill('6');
  await page.getByLabel('Music').selectOption('none');
  await page.getByRole('button', { name: 'Render film' }).click();
  await expect(page).toHaveURL(/\/render\/\?job=/);
  await expect(page.getByTestId('job-status')).toHaveText(/Finished|Failed|Cancelled/, { timeout: 150_000 });
  expect(await page.getByTestId('failure').count(), await page.locator('main').innerText()).toBe(0);
  await expect(page.getByTestId('film')).toBeVisible();

  // Back on the project: the cast panel still shows IRIS's sheet and her mouth point; TEO is drawn.
  await page.goBack();
  await expect(page.getByLabel('Look of IRIS')).toHaveValue('sheet');
  await expect(page.getByLabel('Look of TEO')).toHaveValue('drawn');
  await expect(page.getByTestId('mouth')).toHaveText(/^Mouth at \d+, \d+$/);
});
