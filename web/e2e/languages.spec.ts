import { expect, test } from '@playwright/test';

const PASSWORD = 'correct horse battery';
const srt = (text: string) => `1\n00:00:00,300 --> 00:00:01,500\n${text}\n`;

// A film with subtitles in three languages (the speech's, and the user's own Spanish and Hindi,
// uploaded as subtitles assets): the render page's player lists every track by language.
test('the player lists the film’s subtitle tracks by language', async ({ page, request }) => {
  const email = `polyglot-${Date.now()}-${Math.floor(Math.random() * 1e6)}@e2e.test`;
  expect((await request.post('/api/v1/auth/register', { data: { email, password: PASSWORD } })).status()).toBe(201);
  const login = await request.post('/api/v1/auth/login', { data: { email, password: PASSWORD } });
  const headers = { Authorization: `Bearer ${(await login.json()).access_token}` };
  const project = await (await request.post('/api/v1/projects', { data: { name: 'The Sea' }, headers })).json();
  const translations: Record<string, string> = {};
  for (const [language, text] of [
    ['es', 'El mar.'],
    ['hi', 'समुद्र।'],
  ]) {
    const asset = await request.post(`/api/v1/projects/${project.id}/assets`, {
      multipart: { file: { name: `sea.${language}.srt`, mimeType: 'application/x-subrip', buffer: Buffer.from(srt(text)) } },
      headers,
    });
    expect(asset.status(), await asset.text()).toBe(201);
    translations[language] = (await asset.json()).id;
  }
  const job = await request.post('/api/v1/generate/video', {
    data: { project_id: project.id, script: 'The sea.', duration: 4, music: 'none', subtitles: 'es,hi', translations },
    headers,
  });
  expect(job.status(), await job.text()).toBe(202);

  await page.goto('/signin/');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Projects' })).toBeVisible();
  await page.goto(`/render/?job=${(await job.json()).job_id}`);
  await expect(page.getByTestId('job-status')).toHaveText(/Finished|Failed|Cancelled/, { timeout: 150_000 });
  expect(await page.getByTestId('failure').count(), await page.locator('main').innerText()).toBe(0);

  const video = page.getByTestId('film');
  const tracks = () => video.evaluate((v: HTMLVideoElement) => Array.from(v.textTracks, (t) => `${t.language} ${t.label}`));
  await expect.poll(tracks).toEqual(['en English', 'es Spanish', 'hi Hindi']);
  // The Spanish track loads: its cue is the user's line.
  const spanish = () =>
    video.evaluate((v: HTMLVideoElement) => {
      const track = Array.from(v.textTracks).find((t) => t.language === 'es')!;
      track.mode = 'hidden';
      return Array.from(track.cues ?? [], (cue) => (cue as VTTCue).text);
    });
  await expect.poll(spanish).toEqual(['El mar.']);
});
