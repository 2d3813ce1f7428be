import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRouter } from 'next/router';
import { useEffect, useState, type DragEvent } from 'react';
import { assetsList, generateVideo, jobsStatus, projectsGet, storyboardCreate, storyboardGet, storyboardRedrawStill, storyboardUpdate, type AssetOut, type ShotOut, type StoryboardOut } from '@/client';
import { ApiError, data } from '@/lib/api';
import { useTranslation } from '@/lib/i18n';
import { useBlobUrl } from '@/lib/media';
import { useQueryParam } from '@/lib/route';
import { allShots, neighbour, toInput, withLine, withMove, withPicture } from '@/lib/storyboard';

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);
// What a drag carries: a shot being moved, or a picture from the project's assets.
const SHOT = 'application/x-filmstudio-shot';
const ASSET = 'application/x-filmstudio-asset';

/** The job's state, polled until it finishes (null: no job). */
function useJob(jobId: string | null) {
  return useQuery({
    queryKey: ['job-status', jobId],
    queryFn: () => data(jobsStatus({ path: { job_id: jobId! } })),
    enabled: !!jobId,
    refetchInterval: (query) => (query.state.data && FINISHED.has(query.state.data.status) ? false : 1000),
  });
}

function Still({ url, alt }: { url: string | null; alt: string }) {
  const blob = useBlobUrl(url);
  // eslint-disable-next-line @next/next/no-img-element
  return blob ? <img src={blob} alt={alt} className="aspect-video w-full object-cover" data-testid="still" /> : <div className="flex aspect-video w-full items-center justify-center bg-slate-200 text-sm">{alt}</div>;
}

function AssetChip({ projectId, asset }: { projectId: string; asset: AssetOut }) {
  const url = useBlobUrl(`/api/v1/projects/${projectId}/assets/${asset.id}/content`);
  return (
    <li draggable onDragStart={(event) => event.dataTransfer.setData(ASSET, asset.id)} className="w-24 cursor-grab rounded border border-slate-300 bg-white p-1 text-xs" data-testid="board-asset">
      {/* eslint-disable-next-line @next/next/no-img-element */}
      {url ? <img src={url} alt={asset.filename} className="h-14 w-full object-cover" /> : <div className="h-14 bg-slate-200" />}
      <span className="block truncate">{asset.filename}</span>
    </li>
  );
}

interface CardProps {
  projectId: string;
  board: StoryboardOut;
  shot: ShotOut;
  images: AssetOut[];
  busy: boolean;
  save: (board: StoryboardOut) => void;
  redraw: (n: number) => void;
}

function ShotCard({ projectId, board, shot, images, busy, save, redraw }: CardProps) {
  const { t } = useTranslation();
  const [over, setOver] = useState(false);
  const previous = neighbour(board, shot.id, -1);
  const next = neighbour(board, shot.id, 1);
  const stillUrl = shot.still_url; // carries the version: a redrawn still is fetched anew
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    const asset = event.dataTransfer.getData(ASSET);
    const moved = event.dataTransfer.getData(SHOT);
    if (asset) save(withPicture(board, shot.id, asset));
    else if (moved && moved !== shot.id) save(withMove(board, moved, shot.id));
  };
  return (
    <li
      draggable
      onDragStart={(event) => event.dataTransfer.setData(SHOT, shot.id)}
      onDragOver={(event) => {
        event.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
      aria-label={t('storyboard.shot', { n: shot.n })}
      data-testid="shot"
      className={`flex flex-col gap-2 rounded border bg-white p-2 ${over ? 'border-blue-800 ring-2 ring-blue-800' : 'border-slate-300'}`}
    >
      <h3 className="font-bold">{t('storyboard.shot', { n: shot.n })}</h3>
      <Still url={stillUrl} alt={shot.still_url ? t('storyboard.still', { n: shot.n }) : t('storyboard.noStill')} />
      <p className="text-sm text-slate-700">{shot.description}</p>
      {shot.lines.map((line, i) => (
        <label key={`${shot.id}-${i}-${board.version}`} className="flex flex-col text-sm">
          <span className="font-bold" data-testid="speaker">
            {line.speaker}
          </span>
          <input
            className="rounded border border-slate-500 p-1"
            defaultValue={line.text}
            aria-label={t('storyboard.lineOf', { speaker: line.speaker, n: shot.n })}
            disabled={busy}
            onBlur={(event) => event.target.value.trim() && event.target.value !== line.text && save(withLine(board, shot.id, i, event.target.value))}
            onKeyDown={(event) => event.key === 'Enter' && event.currentTarget.blur()}
          />
        </label>
      ))}
      <label className="flex flex-col text-sm">
        {t('storyboard.picture', { n: shot.n })}
        <select className="rounded border border-slate-500 p-1" value={shot.asset_id ?? ''} disabled={busy} onChange={(event) => save(withPicture(board, shot.id, event.target.value || null))}>
          <option value="">{t('storyboard.drawn')}</option>
          {images.map((asset) => (
            <option key={asset.id} value={asset.id}>
              {asset.filename}
            </option>
          ))}
        </select>
      </label>
      <div className="flex flex-wrap gap-2 text-sm">
        <button type="button" className="rounded border border-slate-500 px-2" disabled={busy || !previous} onClick={() => previous && save(withMove(board, shot.id, previous))} aria-label={t('storyboard.moveUp', { n: shot.n })}>
          ↑
        </button>
        <button type="button" className="rounded border border-slate-500 px-2" disabled={busy || !next} onClick={() => next && save(withMove(board, shot.id, next))} aria-label={t('storyboard.moveDown', { n: shot.n })}>
          ↓
        </button>
        <button type="button" className="rounded border border-slate-500 px-2" disabled={busy} onClick={() => redraw(shot.n)}>
          {t('storyboard.redraw', { n: shot.n })}
        </button>
      </div>
    </li>
  );
}

/** The project's storyboard: made by a job, every shot a card (still, speaker, line) edited in
 *  place and saved at once at the version shown (If-Match); a 412 says another tab changed it
 *  first and shows the newer version. "Render film" renders exactly this version. */
export function Storyboard() {
  const { t } = useTranslation();
  const router = useRouter();
  const queryClient = useQueryClient();
  const projectId = useQueryParam('id') ?? '';
  const project = useQuery({ queryKey: ['project', projectId], queryFn: () => data(projectsGet({ path: { project_id: projectId } })), enabled: !!projectId });
  const key = ['storyboard', projectId];
  const board = useQuery({
    queryKey: key,
    queryFn: () => data(storyboardGet({ path: { project_id: projectId } })).catch((error) => (error instanceof ApiError && error.status === 404 ? null : Promise.reject(error))),
    enabled: project.isSuccess,
  });
  const assets = useQuery({ queryKey: ['assets', projectId], queryFn: () => data(assetsList({ path: { project_id: projectId }, query: { limit: 100 } })), enabled: project.isSuccess });
  const images = (assets.data?.items ?? []).filter((a) => a.kind === 'image');
  const [jobId, setJobId] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const job = useJob(jobId);
  const jobDone = job.data && FINISHED.has(job.data.status);
  useEffect(() => {
    if (jobDone) void queryClient.invalidateQueries({ queryKey: key });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [jobDone]);
  const working = !!jobId && !jobDone;
  const started = (accepted: { job_id: string }) => {
    setNotice(null);
    setJobId(accepted.job_id);
  };
  const make = useMutation({ mutationFn: () => data(storyboardCreate({ path: { project_id: projectId } })), onSuccess: started });
  const redraw = useMutation({ mutationFn: (n: number) => data(storyboardRedrawStill({ path: { project_id: projectId, n } })), onSuccess: started });
  const save = useMutation({
    mutationFn: (edited: StoryboardOut) => data(storyboardUpdate({ path: { project_id: projectId }, headers: { 'if-match': `"${edited.version}"` }, body: toInput(edited) })),
    onMutate: (edited) => {
      setNotice(null);
      queryClient.setQueryData(key, edited);
    },
    onSuccess: (saved) => queryClient.setQueryData(key, saved),
    onError: (error) => {
      if (error instanceof ApiError && error.status === 412) setNotice(t('storyboard.stale'));
      void queryClient.invalidateQueries({ queryKey: key });
    },
  });
  const render = useMutation({
    mutationFn: (version: number) => data(generateVideo({ headers: { 'if-match': `"${version}"` }, body: { project_id: projectId, from: 'storyboard' } })),
    onSuccess: (accepted) => void router.push(`/render/?job=${accepted.job_id}`),
    onError: (error) => {
      if (error instanceof ApiError && error.status === 412) {
        setNotice(t('storyboard.stale'));
        void queryClient.invalidateQueries({ queryKey: key });
      }
    },
  });
  if (project.isPending || (project.isSuccess && board.isPending)) return <p role="status">{t('common.loading')}</p>;
  if (project.error) {
    const missing = project.error instanceof ApiError && [403, 404, 422].includes(project.error.status);
    return (
      <div role="alert">
        <h1 className="text-2xl font-bold">{missing ? t('common.notFound') : project.error.message}</h1>
      </div>
    );
  }
  const current = board.data ?? null;
  const error = board.error ?? make.error ?? redraw.error ?? (save.error instanceof ApiError && save.error.status === 412 ? null : save.error) ?? (render.error instanceof ApiError && render.error.status === 412 ? null : render.error);
  const busy = working || save.isPending;
  return (
    <>
      <h1 className="mb-1 text-2xl font-bold">{t('storyboard.title', { name: project.data?.name ?? '' })}</h1>
      <a href={`/projects/view/?id=${projectId}`} className="text-blue-800 underline">
        {t('render.backToProject')}
      </a>
      <div className="my-3 flex flex-wrap items-center gap-3">
        <button type="button" className="rounded border border-blue-800 px-4 py-2 text-blue-800 disabled:opacity-60" disabled={busy || make.isPending} onClick={() => make.mutate()}>
          {current ? t('storyboard.remake') : t('storyboard.make')}
        </button>
        {current && (
          <button type="button" className="rounded bg-blue-800 px-4 py-2 text-white disabled:bg-slate-500" disabled={busy || render.isPending} onClick={() => render.mutate(current.version)}>
            {t('project.render')}
          </button>
        )}
        {working && (
          <p role="status" data-testid="board-job">
            {t('storyboard.working', { percent: Math.round(job.data?.progress ?? 0) })}
          </p>
        )}
        {job.data?.status === 'failed' && (
          <p role="alert" className="text-red-800">
            {t('render.failed', { reason: job.data.message ?? '' })}
          </p>
        )}
      </div>
      {notice && (
        <p role="alert" className="mb-2 rounded border border-amber-700 bg-amber-50 p-2" data-testid="board-notice">
          {notice}
        </p>
      )}
      {error && (
        <p role="alert" className="mb-2 text-red-800">
          {error.message}
        </p>
      )}
      {!current ? (
        <p>{t('storyboard.empty')}</p>
      ) : (
        <>
          {images.length > 0 && (
            <section aria-labelledby="board-assets" className="mb-3">
              <h2 id="board-assets" className="text-lg font-bold">
                {t('storyboard.dragPictures')}
              </h2>
              <ul className="flex flex-wrap gap-2">
                {images.map((asset) => (
                  <AssetChip key={asset.id} projectId={projectId} asset={asset} />
                ))}
              </ul>
            </section>
          )}
          {current.scenes.map((scene, s) => (
            <section key={s} aria-label={scene.heading ?? t('storyboard.scene', { n: s + 1 })} className="mb-4">
              <h2 className="text-xl font-bold">{scene.heading ?? t('storyboard.scene', { n: s + 1 })}</h2>
              <ol className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
                {scene.shots.map((shot) => (
                  <ShotCard key={shot.id} projectId={projectId} board={current} shot={shot} images={images} busy={busy} save={(edited) => save.mutate(edited)} redraw={(n) => redraw.mutate(n)} />
                ))}
              </ol>
            </section>
          ))}
          <p className="text-sm text-slate-700">{t('storyboard.count', { shots: allShots(current).length, seconds: Math.round(current.estimate_s) })}</p>
        </>
      )}
    </>
  );
}
