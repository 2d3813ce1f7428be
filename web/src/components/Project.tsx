import { useQuery } from '@tanstack/react-query';
import dynamic from 'next/dynamic';
import { useEffect, useMemo, useRef, useState } from 'react';
import { jobsList, projectsGet, projectsUpdate } from '@/client';
import { ScriptEditor } from '@/components/ScriptEditor';
import { ApiError, data } from '@/lib/api';
import { characters } from '@/lib/fountain';
import { useTranslation } from '@/lib/i18n';
import { useQueryParam } from '@/lib/route';
import type { Looks } from '@/components/Cast';

// Below the editor, loaded after it: the settings form (React Hook Form) and the asset drop zone
// (react-dropzone) are not part of the page's first load.
const Settings = dynamic(() => import('@/components/Settings').then((m) => m.Settings), { ssr: false });
const Assets = dynamic(() => import('@/components/Assets').then((m) => m.Assets), { ssr: false });
const Cast = dynamic(() => import('@/components/Cast').then((m) => m.Cast), { ssr: false });

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

export function Project() {
  const { t, i18n } = useTranslation();
  const id = useQueryParam('id') ?? '';
  const project = useQuery({ queryKey: ['project', id], queryFn: () => data(projectsGet({ path: { project_id: id } })), enabled: !!id });
  const renders = useQuery({ queryKey: ['renders', id], queryFn: () => data(jobsList({ query: { project_id: id, limit: 10 } })), enabled: project.isSuccess });
  // The script as the project keeps it: null until the project is read, so nothing is saved
  // over it before; then saved (PATCH) a moment after the typing stops.
  const [script, setScript] = useState<string | null>(null);
  const stored = useRef<string | null>(null);
  const [saveError, setSaveError] = useState<string | null>(null);
  // The script as last saved (the cast panel asks the API for its characters) and the cast.
  const [savedScript, setSavedScript] = useState('');
  const [looks, setLooks] = useState<Looks>({});
  const loaded = project.data?.id;
  useEffect(() => {
    if (!project.data) return;
    stored.current = project.data.script ?? '';
    setScript(stored.current);
    setSavedScript(stored.current);
    setLooks((project.data.settings?.cast as Looks | undefined) ?? {});
    // once per project opened, not on every refetch
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [loaded]);
  const debounced = useDebounced(script, 300);
  const cast = useMemo(() => characters(debounced ?? ''), [debounced]);
  useEffect(() => {
    if (!id || debounced === null || debounced === stored.current) return;
    data(projectsUpdate({ path: { project_id: id }, body: { script: debounced } }))
      .then(() => {
        stored.current = debounced;
        setSavedScript(debounced);
        setSaveError(null);
      })
      .catch((error: Error) => setSaveError(error.message));
  }, [id, debounced]);
  if (project.isPending) return <p role="status">{t('common.loading')}</p>;
  if (project.error) {
    const missing = project.error instanceof ApiError && [403, 404, 422].includes(project.error.status);
    return (
      <div role="alert">
        <h1 className="text-2xl font-bold">{missing ? t('common.notFound') : project.error.message}</h1>
      </div>
    );
  }
  return (
    <>
      <h1 className="mb-4 text-2xl font-bold">{project.data.name}</h1>
      <div className="grid gap-4 md:grid-cols-3">
        <div className="flex flex-col md:col-span-2">
          <label htmlFor="script">{t('project.script')}</label>
          <ScriptEditor id="script" value={script ?? ''} onChange={setScript} placeholder={t('project.scriptPlaceholder')} />
          {saveError && (
            <p role="alert" className="text-red-800">
              {saveError}
            </p>
          )}
        </div>
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
      <Cast projectId={id} script={savedScript} looks={looks} onChange={setLooks} />
      <Settings projectId={id} script={script ?? ''} cast={cast} looks={looks} saved={project.data.settings ?? {}} />
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
