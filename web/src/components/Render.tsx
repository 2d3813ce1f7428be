import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useQueryParam } from '@/lib/route';
import { useEffect, useState } from 'react';
import { useTranslation } from '@/lib/i18n';
import { jobsCancel, jobsGet, jobsStatus } from '@/client';
import { ApiError, data } from '@/lib/api';
import { authorizedFetch, useAuth } from '@/lib/auth';
import { Player } from '@/components/Player';
import { useBlobUrl } from '@/lib/media';

// The film pipeline's stages and their share of the job's progress (pipelines/orchestrator.py).
const STAGES: [string, number, number][] = [
  ['analysis', 0, 3],
  ['voices', 3, 12],
  ['visuals', 12, 16],
  ['music', 16, 22],
  ['frames', 22, 96],
  ['mux', 96, 100],
];
const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);
const DOWNLOADS: [string, string][] = [
  ['film', 'mp4'],
  ['srt', 'srt'],
  ['vtt', 'vtt'],
  ['thumbnail', 'jpg'],
];

interface Live {
  status: string;
  stage: string | null;
  progress: number;
  message: string | null;
  /** The HLS playlist's URL, once the render announces its stream (its first segment). */
  stream?: string | null;
}

/** Follow the job: the WebSocket (reconnecting with backoff, resuming after the last event),
 *  and polling when the socket keeps failing. */
function useLive(jobId: string): Live | null {
  const [live, setLive] = useState<Live | null>(null);
  useEffect(() => {
    if (!jobId) return;
    let closed = false;
    let after = 0;
    let failures = 0;
    let socket: WebSocket | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (state: Live) => {
      setLive((previous) => ({ ...state, stream: state.stream ?? previous?.stream ?? null }));
      return FINISHED.has(state.status);
    };
    const poll = async () => {
      if (closed) return;
      try {
        const status = await data(jobsStatus({ path: { job_id: jobId } }));
        if (finish(status)) return;
      } catch {}
      timer = setTimeout(poll, 2000);
    };
    const connect = () => {
      if (closed) return;
      const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
      const token = encodeURIComponent(useAuth.getState().token ?? '');
      socket = new WebSocket(`${scheme}://${location.host}/api/v1/jobs/${jobId}/events?token=${token}&after=${after}`);
      let done = false;
      socket.onmessage = (message) => {
        failures = 0;
        const event = JSON.parse(message.data as string) as Live & { id: number };
        after = Math.max(after, event.id);
        done = finish(event);
      };
      socket.onclose = () => {
        if (closed || done) return;
        failures += 1;
        if (failures > 4) void poll();
        else timer = setTimeout(connect, 500 * 2 ** failures);
      };
    };
    // The first state at once (a finished job sends no events worth waiting for), then live.
    void data(jobsStatus({ path: { job_id: jobId } }))
      .then((status) => {
        if (!finish(status)) connect();
      })
      .catch(() => connect());
    return () => {
      closed = true;
      clearTimeout(timer);
      socket?.close();
    };
  }, [jobId]);
  return live;
}

/** One subtitle track of the film: `label` is the language's name in the interface's language. */
function SubtitleTrack({ url, language, interfaceLanguage, isDefault }: { url: string; language: string; interfaceLanguage: string; isDefault?: boolean }) {
  const src = useBlobUrl(url);
  if (!src) return null;
  return <track kind="subtitles" src={src} srcLang={language} label={languageName(language, interfaceLanguage)} default={isDefault} />;
}

function languageName(tag: string, interfaceLanguage: string): string {
  try {
    return new Intl.DisplayNames([interfaceLanguage], { type: 'language' }).of(tag) ?? tag;
  } catch {
    return tag;
  }
}

/** The film: its stream while it renders (when the render streams), then the finished MP4 with
 *  its subtitles, thumbnail and downloads. */
function Film({ jobId, outputs, finished, stream, language }: { jobId: string; outputs: string[]; finished: boolean; stream: string | null; language: string }) {
  const { t, i18n } = useTranslation();
  const base = `/api/v1/jobs/${jobId}/outputs`;
  const film = useBlobUrl(finished ? `${base}/film` : null);
  // The speech's own subtitles (vtt), then each extra language's (vtt-es, …), one per language.
  const tracks = outputs.includes('vtt') ? [['vtt', language]] : [];
  for (const name of outputs) {
    const tag = name.slice(4);
    if (name.startsWith('vtt-') && !tracks.some(([, seen]) => seen === tag)) tracks.push([name, tag]);
  }
  const thumbnail = useBlobUrl(outputs.includes('thumbnail') ? `${base}/thumbnail` : null);
  const download = async (name: string, extension: string) => {
    const response = await authorizedFetch(`${base}/${name}`);
    const link = document.createElement('a');
    link.href = URL.createObjectURL(await response.blob());
    link.download = `${jobId}-${name}.${extension}`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  };
  return (
    <section aria-labelledby="film-title" className="mt-4">
      <h2 id="film-title" className="text-xl font-bold">
        {t('render.film')}
      </h2>
      {film || stream ? (
        <Player stream={stream} mp4={film} poster={thumbnail ?? undefined}>
          {tracks.map(([name, tag], i) => (
            <SubtitleTrack key={name} url={`${base}/${name}`} language={tag} interfaceLanguage={i18n.language} isDefault={i === 0} />
          ))}
        </Player>
      ) : (
        <p role="status">{t('common.loading')}</p>
      )}
      <div className="mt-2 flex flex-wrap gap-2">
        {DOWNLOADS.filter(([name]) => outputs.includes(name)).map(([name, extension]) => (
          <button key={name} type="button" onClick={() => void download(name, extension)} className="rounded border border-blue-800 px-2 py-1 text-blue-800">
            {t('render.download', { format: extension.toUpperCase() })}
          </button>
        ))}
      </div>
    </section>
  );
}

export function Render() {
  const { t } = useTranslation();
  const jobId = useQueryParam('job') ?? '';
  const queryClient = useQueryClient();
  const live = useLive(jobId);
  const finished = live !== null && FINISHED.has(live.status);
  const job = useQuery({ queryKey: ['job', jobId, finished], queryFn: () => data(jobsGet({ path: { job_id: jobId } })), enabled: !!jobId });
  const cancel = useMutation({ mutationFn: () => data(jobsCancel({ path: { job_id: jobId } })) });
  useEffect(() => {
    if (finished) void queryClient.invalidateQueries({ queryKey: ['balance'] });
  }, [finished, queryClient]);
  if (job.error) {
    const missing = job.error instanceof ApiError && [404, 422].includes(job.error.status);
    return (
      <div role="alert">
        <h1 className="text-2xl font-bold">{missing ? t('common.notFound') : job.error.message}</h1>
      </div>
    );
  }
  const status = live?.status ?? job.data?.status ?? 'queued';
  const percent = Math.round(100 * (live?.progress ?? 0) * ((live?.progress ?? 0) > 1 ? 0.01 : 1));
  const current = STAGES.findIndex(([name]) => name === live?.stage);
  const done = status === 'succeeded' && job.data?.status === 'succeeded';
  return (
    <>
      <h1 className="mb-2 text-2xl font-bold">{t('render.title')}</h1>
      <p role="status" data-testid="job-status">
        {t(`job.status.${status}`, { defaultValue: status })}
        {status === 'running' && ` — ${percent}%`}
      </p>
      <ol className="my-3 flex flex-col gap-1" aria-label={t('render.stages')}>
        {STAGES.map(([name, start, end], i) => {
          const fraction = status === 'succeeded' || i < current ? 1 : i === current ? Math.min(1, Math.max(0, (percent - start) / (end - start))) : 0;
          return (
            <li key={name} className="flex items-center gap-2" data-testid={`stage-${name}`} data-done={fraction >= 1}>
              <span className="w-28">{t(`render.stage.${name}`)}</span>
              <progress value={fraction} max={1} className="grow" aria-label={t(`render.stage.${name}`)} />
            </li>
          );
        })}
      </ol>
      {!finished && (
        <button type="button" onClick={() => cancel.mutate()} disabled={cancel.isPending || job.data?.cancel_requested} className="rounded border border-red-800 px-3 py-1 text-red-800">
          {t('render.cancel')}
        </button>
      )}
      {cancel.error && <p role="alert" className="text-red-800">{cancel.error.message}</p>}
      {status === 'failed' && (
        <p role="alert" className="text-red-800" data-testid="failure">
          {t('render.failed', { reason: job.data?.error ?? live?.message ?? '' })}
        </p>
      )}
      {/* One Film from the stream's announcement to the MP4, so its player keeps the viewer's
          place (also while the finished job's details are still being fetched). */}
      {(done || (live?.stream && (!finished || status === 'succeeded'))) && (
        <Film
          jobId={jobId}
          outputs={done ? (job.data?.outputs ?? []) : []}
          finished={done}
          stream={live?.stream ?? null}
          language={String(job.data?.result?.language ?? 'en')}
        />
      )}
      {job.data && (
        <a href={`/projects/view/?id=${job.data.project_id}`} className="mt-4 inline-block text-blue-800 underline">
          {t('render.backToProject')}
        </a>
      )}
    </>
  );
}
