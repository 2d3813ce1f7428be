'use client';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useRouter, useSearchParams } from 'next/navigation';
import { useEffect, useMemo, useState } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { assetsList, generateVideo, jobsList, projectsGet } from '@/client';
import { Assets } from '@/components/Assets';
import { ApiError, data } from '@/lib/api';
import { characters } from '@/lib/fountain';

const SIZES = ['1280x720', '1920x1080', '1080x1920', '1080x1080'];
const FILM_LANGUAGES = ['en', 'hi', 'es', 'ar', 'fr', 'de'];

interface Settings {
  language: string;
  music: string;
  duration: number;
  size: string;
  burn_subtitles: boolean;
  voices: Record<string, string>;
}

const DEFAULTS: Settings = { language: 'en', music: 'generated', duration: 60, size: '1280x720', burn_subtitles: false, voices: {} };

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

// The API keeps no script or settings on a project yet: this browser remembers them per project.
const scriptKey = (id: string) => `filmstudio.script.${id}`;
const settingsKey = (id: string) => `filmstudio.settings.${id}`;

export function Project() {
  const { t, i18n } = useTranslation();
  const id = useSearchParams().get('id') ?? '';
  const router = useRouter();
  const project = useQuery({ queryKey: ['project', id], queryFn: () => data(projectsGet({ path: { project_id: id } })), enabled: !!id });
  const assets = useQuery({ queryKey: ['assets', id], queryFn: () => data(assetsList({ path: { project_id: id }, query: { limit: 100 } })), enabled: project.isSuccess });
  const renders = useQuery({ queryKey: ['renders', id], queryFn: () => data(jobsList({ query: { project_id: id, limit: 10 } })), enabled: project.isSuccess });
  const [script, setScript] = useState('');
  useEffect(() => setScript(localStorage.getItem(scriptKey(id)) ?? ''), [id]);
  const debounced = useDebounced(script, 300);
  const cast = useMemo(() => characters(debounced), [debounced]);
  useEffect(() => {
    if (id) localStorage.setItem(scriptKey(id), debounced);
  }, [id, debounced]);
  const { register, handleSubmit, reset } = useForm<Settings>({ defaultValues: DEFAULTS });
  useEffect(() => {
    const saved = localStorage.getItem(settingsKey(id));
    if (saved) reset({ ...DEFAULTS, ...JSON.parse(saved) });
  }, [id, reset]);
  const render = useMutation({
    mutationFn: (settings: Settings) => {
      localStorage.setItem(settingsKey(id), JSON.stringify(settings));
      const images = (assets.data?.items ?? []).filter((a) => a.kind === 'image').map((a) => a.id);
      const voices = Object.fromEntries(Object.entries(settings.voices ?? {}).filter(([name, voice]) => voice && cast.includes(name)));
      return data(
        generateVideo({
          body: {
            project_id: id,
            script,
            image_ids: images,
            music: settings.music,
            voices,
            language: settings.language,
            duration: Number(settings.duration),
            size: settings.size,
            burn_subtitles: settings.burn_subtitles,
          },
        }),
      );
    },
    onSuccess: (accepted) => router.push(`/render/?job=${accepted.job_id}`),
  });

  if (project.isPending) return <p role="status">{t('common.loading')}</p>;
  if (project.error) {
    const missing = project.error instanceof ApiError && [403, 404, 422].includes(project.error.status);
    return (
      <div role="alert">
        <h1 className="text-2xl font-bold">{missing ? t('common.notFound') : project.error.message}</h1>
      </div>
    );
  }
  const audio = (assets.data?.items ?? []).filter((a) => a.kind === 'audio');
  return (
    <>
      <h1 className="mb-4 text-2xl font-bold">{project.data.name}</h1>
      <div className="grid gap-4 md:grid-cols-3">
        <label className="flex flex-col md:col-span-2">
          {t('project.script')}
          <textarea
            value={script}
            onChange={(event) => setScript(event.target.value)}
            rows={16}
            spellCheck={false}
            dir="auto"
            className="rounded border border-slate-500 p-2 font-mono text-sm"
            placeholder={t('project.scriptPlaceholder')}
          />
        </label>
        <section aria-labelledby="cast-title">
          <h2 id="cast-title" className="font-bold">
            {t('project.characters')}
          </h2>
          {cast.length === 0 ? (
            <p className="text-sm text-slate-700">{t('project.noCharacters')}</p>
          ) : (
            <ul data-testid="characters">
              {cast.map((name) => (
                <li key={name}>{name}</li>
              ))}
            </ul>
          )}
        </section>
      </div>
      <form onSubmit={handleSubmit((settings) => render.mutate(settings))} className="mt-6">
        <fieldset className="grid gap-3 rounded border border-slate-300 p-3 sm:grid-cols-2">
          <legend className="px-1 text-xl font-bold">{t('project.settings')}</legend>
          <label className="flex flex-col">
            {t('project.language')}
            <select className="rounded border border-slate-500 p-1" {...register('language')}>
              {FILM_LANGUAGES.map((code) => (
                <option key={code} value={code}>
                  {new Intl.DisplayNames([i18n.language], { type: 'language' }).of(code)}
                </option>
              ))}
            </select>
          </label>
          <label className="flex flex-col">
            {t('project.music')}
            <select className="rounded border border-slate-500 p-1" {...register('music')}>
              <option value="generated">{t('project.musicGenerated')}</option>
              <option value="none">{t('project.musicNone')}</option>
              {audio.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.filename}
                </option>
              ))}
            </select>
          </label>
          <label className="flex flex-col">
            {t('project.duration')}
            <input type="number" min={1} max={300} step={1} className="rounded border border-slate-500 p-1" {...register('duration', { valueAsNumber: true })} />
          </label>
          <label className="flex flex-col">
            {t('project.size')}
            <select className="rounded border border-slate-500 p-1" {...register('size')}>
              {SIZES.map((size) => (
                <option key={size}>{size}</option>
              ))}
            </select>
          </label>
          <label className="flex items-center gap-2">
            <input type="checkbox" {...register('burn_subtitles')} />
            {t('project.burnSubtitles')}
          </label>
          {cast.map((name) => (
            <label key={name} className="flex flex-col">
              {t('project.voiceFor', { name })}
              <input className="rounded border border-slate-500 p-1" placeholder={t('project.voiceDefault')} {...register(`voices.${name}`)} />
            </label>
          ))}
        </fieldset>
        {render.error && (
          <p role="alert" className="mt-2 text-red-800">
            {render.error.message}
          </p>
        )}
        <button type="submit" disabled={render.isPending || !script.trim()} className="mt-3 rounded bg-blue-800 px-4 py-2 text-white disabled:bg-slate-500">
          {t('project.render')}
        </button>
      </form>
      <Assets projectId={id} />
      {renders.data && renders.data.items.length > 0 && (
        <section aria-labelledby="renders-title" className="mt-6">
          <h2 id="renders-title" className="text-xl font-bold">
            {t('project.renders')}
          </h2>
          <ul>
            {renders.data.items.map((job) => (
              <li key={job.id}>
                <a href={`/render/?job=${job.id}`} className="text-blue-800 underline">
                  {new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(job.created_at))} — {t(`job.status.${job.status}`, { defaultValue: job.status })}
                </a>
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}
