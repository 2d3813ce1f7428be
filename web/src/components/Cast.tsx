import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type MouseEvent } from 'react';
import { projectsListCharacters, projectsUpdate, type CastLook } from '@/client';
import { data } from '@/lib/api';
import { authorizedFetch, detail } from '@/lib/auth';
import { useTranslation } from '@/lib/i18n';
import { useBlobUrl } from '@/lib/media';

export type Looks = Record<string, CastLook>;
type Kind = NonNullable<CastLook['look']>;
const KINDS: Kind[] = ['drawn', 'sheet', 'portrait'];

/** Upload a sheet (zip) or portrait (image) as an asset of the project: its id, or the API's words. */
async function upload(projectId: string, file: File): Promise<string> {
  const form = new FormData();
  form.append('file', file);
  const response = await authorizedFetch(`/api/v1/projects/${projectId}/assets`, { method: 'POST', body: form });
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) throw new Error(detail(body) ?? `HTTP ${response.status}`);
  return (body as { id: string }).id;
}

/** The look's picture (a portrait, or a sheet's character picture); a click sets the mouth point
 *  in the picture's own pixels, marked with a dot. */
function MouthPicker({ projectId, name, look, needed, onMouth }: { projectId: string; name: string; look: CastLook; needed: boolean; onMouth: (mouth: [number, number]) => void }) {
  const { t } = useTranslation();
  const url = useBlobUrl(look.asset ? `/api/v1/projects/${projectId}/assets/${look.asset}/picture` : null);
  const [size, setSize] = useState<[number, number] | null>(null);
  if (!url) return null;
  const pick = (event: MouseEvent<HTMLButtonElement>) => {
    const img = event.currentTarget.querySelector('img');
    if (!img || !img.naturalWidth) return;
    const box = img.getBoundingClientRect();
    const x = Math.round(((event.clientX - box.left) * img.naturalWidth) / box.width);
    const y = Math.round(((event.clientY - box.top) * img.naturalHeight) / box.height);
    onMouth([Math.min(Math.max(x, 0), img.naturalWidth - 1), Math.min(Math.max(y, 0), img.naturalHeight - 1)]);
  };
  const mouth = look.mouth;
  return (
    <div className="mt-1">
      <button type="button" onClick={pick} className="relative block max-w-48 cursor-crosshair" aria-label={t('cast.picture', { name })}>
        {/* eslint-disable-next-line @next/next/no-img-element */}
        <img src={url} alt="" className="block w-full" onLoad={(e) => setSize([e.currentTarget.naturalWidth, e.currentTarget.naturalHeight])} />
        {mouth && size && (
          <span
            data-testid="mouth-mark"
            className="absolute h-3 w-3 -translate-x-1/2 -translate-y-1/2 rounded-full border-2 border-white bg-red-700"
            style={{ left: `${(100 * mouth[0]) / size[0]}%`, top: `${(100 * mouth[1]) / size[1]}%` }}
          />
        )}
      </button>
      <p className="text-xs text-slate-700" data-testid="mouth">
        {mouth ? t('cast.mouthAt', { x: mouth[0], y: mouth[1] }) : t(needed ? 'cast.mouthNeeded' : 'cast.mouthFound')}
      </p>
    </div>
  );
}

/** The cast panel: the script's characters (as the API reads the saved script), each drawn, or
 *  shown by a character sheet or a portrait the user uploads, with the mouth point set by a
 *  click on its picture. Every change is saved to the project's `cast` setting at once; the
 *  render uses it. */
export function Cast({ projectId, script, looks, onChange }: { projectId: string; script: string; looks: Looks; onChange: (looks: Looks) => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const characters = useQuery({
    queryKey: ['characters', projectId, script],
    queryFn: () => data(projectsListCharacters({ path: { project_id: projectId } })),
  });
  // The looks as the API answers them (fresh on every visit: the project's cache may be older).
  useEffect(() => {
    if (!characters.data) return;
    onChange(Object.fromEntries(characters.data.characters.filter((c) => c.look.look !== 'drawn').map((c) => [c.name, c.look])));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [characters.data]);
  const [pending, setPending] = useState<Record<string, Kind>>({});
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Looks the API refused as uploaded (no face found): shown to click the mouth point on.
  const [unsaved, setUnsaved] = useState<Looks>({});
  const byName = Object.fromEntries(Object.entries(looks).map(([k, v]) => [k.toUpperCase(), v]));

  const save = async (name: string, look: CastLook | null): Promise<boolean> => {
    const next = Object.fromEntries(Object.entries(looks).filter(([k]) => k.toUpperCase() !== name));
    if (look) next[name] = look;
    try {
      const saved = await data(projectsUpdate({ path: { project_id: projectId }, body: { settings: { cast: next } } }));
      onChange((saved.settings?.cast as Looks | undefined) ?? next);
      setUnsaved(({ [name]: _, ...rest }) => rest);
      void queryClient.invalidateQueries({ queryKey: ['characters', projectId] });
      setError(null);
      return true;
    } catch (e) {
      setError((e as Error).message);
      return false;
    }
  };
  const choose = (name: string, kind: Kind) => {
    if (kind === 'drawn') {
      setPending(({ [name]: _, ...rest }) => rest);
      void save(name, null);
    } else setPending((p) => ({ ...p, [name]: kind }));
  };
  const send = async (name: string, kind: Kind, file: File | undefined) => {
    if (!file) return;
    setBusy(name);
    try {
      const asset = await upload(projectId, file);
      void queryClient.invalidateQueries({ queryKey: ['assets', projectId] });
      const look: CastLook = { look: kind, asset, mouth: null };
      if (!(await save(name, look))) setUnsaved((u) => ({ ...u, [name]: look }));
      setPending(({ [name]: _, ...rest }) => rest);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  };

  const list = characters.data?.characters ?? [];
  return (
    <section aria-labelledby="cast-panel-title" className="mt-6">
      <h2 id="cast-panel-title" className="text-xl font-bold">
        {t('cast.title')}
      </h2>
      {characters.isSuccess && list.length === 0 && <p className="text-sm text-slate-700">{t('project.noCharacters')}</p>}
      <ul className="mt-2 grid gap-3 sm:grid-cols-2">
        {list.map(({ name }) => {
          const look = byName[name];
          const kind: Kind = pending[name] ?? unsaved[name]?.look ?? look?.look ?? 'drawn';
          const draft = unsaved[name]?.look === kind ? unsaved[name] : null;
          const shown = draft ?? (look && look.look === kind ? look : null);
          return (
            <li key={name} data-testid="cast-member" className="rounded border border-slate-300 p-2">
              <label className="flex flex-col font-bold">
                {name}
                <select className="rounded border border-slate-500 p-1 font-normal" aria-label={t('cast.look', { name })} value={kind} onChange={(e) => choose(name, e.target.value as Kind)}>
                  {KINDS.map((k) => (
                    <option key={k} value={k}>
                      {t(`cast.${k}`)}
                    </option>
                  ))}
                </select>
              </label>
              {kind !== 'drawn' && (
                <label className="mt-1 flex flex-col text-sm">
                  {t(kind === 'sheet' ? 'cast.uploadSheet' : 'cast.uploadPortrait', { name })}
                  <input
                    type="file"
                    accept={kind === 'sheet' ? '.zip,application/zip' : 'image/jpeg,image/png,image/webp'}
                    disabled={busy === name}
                    onChange={(e) => void send(name, kind, e.target.files?.[0])}
                  />
                </label>
              )}
              {busy === name && <p role="status">{t('cast.uploading')}</p>}
              {shown && <MouthPicker projectId={projectId} name={name} look={shown} needed={draft !== null} onMouth={(mouth) => void save(name, { ...shown, mouth })} />}
            </li>
          );
        })}
      </ul>
      {error && (
        <p role="alert" className="mt-2 text-red-800">
          {error}
        </p>
      )}
    </section>
  );
}
