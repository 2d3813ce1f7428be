import { useMutation, useQuery } from '@tanstack/react-query';
import { useRouter } from 'next/router';
import { useEffect } from 'react';
import { useForm } from 'react-hook-form';
import { assetsList, generateVideo, projectsGet, projectsUpdate } from '@/client';
import { data } from '@/lib/api';
import { characterName } from '@/lib/fountain';
import { useTranslation } from '@/lib/i18n';
import { VoicePreview } from '@/components/VoicePreview';
import type { Looks } from '@/components/Cast';

const SIZES = ['1280x720', '1920x1080', '1080x1920', '1080x1080'];
const FILM_LANGUAGES = ['en', 'hi', 'es', 'ar', 'fr', 'de'];

interface FilmSettings {
  language: string;
  music: string;
  duration: number;
  size: string;
  burn_subtitles: boolean;
  voices: Record<string, string>;
}

/** What `name` first says in the script (the text of the voice's preview). */
function firstLine(script: string, name: string): string | null {
  const lines = script.split(/\r?\n/);
  const at = lines.findIndex((line, i) => characterName(line) === name && i + 1 < lines.length && lines[i + 1].trim() !== '');
  if (at < 0) return null;
  const spoken = lines.slice(at + 1).find((line) => line.trim() && !/^\s*\(.*\)\s*$/.test(line));
  return spoken?.trim() || null;
}

const DEFAULTS: FilmSettings = { language: 'en', music: 'generated', duration: 60, size: '1280x720', burn_subtitles: false, voices: {} };


/** The film's settings and the "Render film" button: keeps the settings on the project (the
 *  API checks them as it checks a film request), renders the script with the project's
 *  pictures, then opens the render's page. Loaded after the script editor (its form kit is
 *  not part of the page's first load). */
export function Settings({ projectId, script, cast, looks, saved }: { projectId: string; script: string; cast: string[]; looks: Looks; saved: Record<string, unknown> }) {
  const { t, i18n } = useTranslation();
  const router = useRouter();
  const assets = useQuery({ queryKey: ['assets', projectId], queryFn: () => data(assetsList({ path: { project_id: projectId }, query: { limit: 100 } })) });
  const { register, handleSubmit, reset, watch } = useForm<FilmSettings>({ defaultValues: DEFAULTS });
  useEffect(() => {
    reset({ ...DEFAULTS, ...saved });
    // the project's saved settings when the project opens, not on every refetch
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [projectId, reset]);
  const keep = async (settings: FilmSettings) => {
    const voices = Object.fromEntries(Object.entries(settings.voices ?? {}).filter(([name, voice]) => voice && cast.includes(name)));
    const kept = { music: settings.music, voices, language: settings.language, duration: Number(settings.duration), size: settings.size, burn_subtitles: settings.burn_subtitles };
    await data(projectsUpdate({ path: { project_id: projectId }, body: { settings: kept } }));
    return voices;
  };
  // The storyboard is made from the project's script and settings: keep them, then open it.
  const storyboard = useMutation({
    mutationFn: keep,
    onSuccess: () => void router.push(`/projects/storyboard/?id=${projectId}`),
  });
  const render = useMutation({
    mutationFn: async (settings: FilmSettings) => {
      const voices = await keep(settings);
      // the characters' references as the project keeps them now (a studio render adds the
      // ones it drew), so every render gives each character the same look
      const project = await data(projectsGet({ path: { project_id: projectId } }));
      const references = (project.settings?.references ?? {}) as Record<string, string>;
      // the project's pictures, but not the cast's portraits nor the references (they show
      // their characters)
      const portraits = new Set([...Object.values(looks).map((look) => look.asset), ...Object.values(references)]);
      const images = (assets.data?.items ?? []).filter((a) => a.kind === 'image' && !portraits.has(a.id)).map((a) => a.id);
      return data(
        generateVideo({
          body: {
            project_id: projectId,
            script,
            image_ids: images,
            music: settings.music,
            voices,
            language: settings.language,
            duration: Number(settings.duration),
            size: settings.size,
            burn_subtitles: settings.burn_subtitles,
            cast: looks,
            references,
          },
        }),
      );
    },
    onSuccess: (accepted) => void router.push(`/render/?job=${accepted.job_id}`),
  });
  const audio = (assets.data?.items ?? []).filter((a) => a.kind === 'audio');
  return (
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
          <div key={name} className="flex items-end gap-2">
            <label className="flex flex-1 flex-col">
              {t('project.voiceFor', { name })}
              <input className="rounded border border-slate-500 p-1" placeholder={t('project.voiceDefault')} {...register(`voices.${name}`)} />
            </label>
            <VoicePreview name={name} voice={watch(`voices.${name}`) ?? ''} language={watch('language')} text={firstLine(script, name) ?? name} />
          </div>
        ))}
      </fieldset>
      {(render.error ?? storyboard.error) && (
        <p role="alert" className="mt-2 text-red-800">
          {(render.error ?? storyboard.error)?.message}
        </p>
      )}
      <div className="mt-3 flex flex-wrap gap-3">
        <button type="submit" disabled={render.isPending || !script.trim()} className="rounded bg-blue-800 px-4 py-2 text-white disabled:bg-slate-500">
          {t('project.render')}
        </button>
        <button type="button" onClick={handleSubmit((settings) => storyboard.mutate(settings))} disabled={storyboard.isPending || !script.trim()} className="rounded border border-blue-800 px-4 py-2 text-blue-800 disabled:opacity-60">
          {t('project.storyboard')}
        </button>
      </div>
    </form>
  );
}
