import { expect, test, type APIRequestContext } from '@playwright/test';

const PASSWORD = 'correct horse battery';
// Long enough (90 s of draft film, several 4 s segments) that the render is still running when
// its first segments play, even on a fast machine; no waits on how long anything takes.
const SCRIPT = Array.from(
  { length: 12 },
  (_, i) => `The harbour lamp turns for the ${i + 1}th time over a black sea, and the boats come home one by one.`,
).join('\n\n');

const unique = (name: string) => `${name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@e2e.test`;

/** The job's status as the API reports it (the test's own sign-in: the same user's token). */
async function jobStatus(request: APIRequestContext, token: string, jobId: string): Promise<string> {
  const response = await request.get(`/api/v1/jobs/${jobId}/status`, { headers: { Authorization: `Bearer ${token}` } });
  expect(response.status()).toBe(200);
  return ((await response.json()) as { status: string }).status;
}

test('the render page plays the film as it renders, then the finished MP4', async ({ page, request }) => {
  test.setTimeout(600_000); // a 90 s film on a loaded 2-core machine
  const said: string[] = []; // what the page said, for a failure's message
  page.on('console', (message) => said.push(`${message.type()}: ${message.text()}`));
  const email = unique('iris');
  await page.goto('/signup/');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.getByRole('heading', { name: 'Projects' })).toBeVisible();
  const login = await request.post('/api/v1/auth/login', { data: { email, password: PASSWORD } });
  expect(login.status()).toBe(200);
  const token = ((await login.json()) as { access_token: string }).access_token;

  await page.getByLabel('Project name').fill('Harbour lights');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('link', { name: 'Harbour lights' }).click();
  await page.getByLabel('Script (Fountain)').fill(SCRIPT);
  await page.getByLabel('Duration (seconds)').fill('90');
  await page.getByLabel('Music').selectOption('none');
  await page.getByRole('button', { name: 'Render film' }).click();
  await expect(page).toHaveURL(/\/render\/\?job=/);
  const jobId = new URL(page.url()).searchParams.get('job')!;

  // The stream is announced with its first segment, while the job runs: the player takes it.
  const video = page.getByTestId('film');
  await expect(video).toHaveAttribute('data-source', 'stream', { timeout: 300_000 });
  expect(await jobStatus(request, token, jobId)).toBe('running');
  await video.evaluate((v: HTMLVideoElement) => {
    v.muted = true;
    void v.play().catch(() => undefined); // not awaited: it settles once data is there
  });

  // Playback advances while the API still reports the job running: the time is read first, the
  // status after, so a "running" answer means the job was running when the frame played.
  const readings: { time: number; status: string }[] = [];
  await expect
    .poll(
      async () => {
        const time = await video.evaluate((v: HTMLVideoElement) => {
          if (v.paused && v.readyState >= 2) void v.play().catch(() => undefined);
          return v.currentTime;
        });
        const status = await jobStatus(request, token, jobId);
        readings.push({ time, status });
        const running = readings.filter((r) => r.status === 'running');
        return running.length >= 2 && running[running.length - 1].time > running[0].time;
      },
      { timeout: 300_000, intervals: [500] },
    )
    .toBe(true)
    .catch(() => {
      throw new Error(`playback did not advance while the job ran: ${JSON.stringify(readings.slice(0, 20))}\n${said.slice(-20).join('\n')}`);
    });
  const ran = readings.filter((r) => r.status === 'running');
  expect(ran[ran.length - 1].time).toBeGreaterThan(ran[0].time);

  // When the render ends the page switches to the finished MP4.
  await expect(page.getByTestId('job-status')).toHaveText(/Finished|Failed|Cancelled/, { timeout: 400_000 });
  await expect(page.getByTestId('job-status')).toHaveText('Finished');
  await expect(video).toHaveAttribute('data-source', 'mp4', { timeout: 60_000 });
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.duration), { timeout: 30_000 }).toBeGreaterThan(89);
  // The viewer keeps their place: the MP4 starts where the stream was (read as its metadata
  // arrives, before it could play there from the start).
  expect(await video.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeGreaterThanOrEqual(ran[ran.length - 1].time);
});
