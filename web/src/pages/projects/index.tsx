import dynamic from 'next/dynamic';
import Link from 'next/link';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from '@/lib/i18n';
import { jobsList, projectsCreate, projectsDelete, projectsList, projectsUpdate, type ProjectOut } from '@/client';
import { RequireAuth } from '@/components/RequireAuth';
import { data } from '@/lib/api';
import { useBlobUrl } from '@/lib/media';

const PAGE = 20;
// The dialog kit loads when a deletion is asked for, not with the page.
const Confirm = dynamic(() => import('@/components/Confirm').then((m) => m.Confirm), { ssr: false });

/** A single required text field's value from its form (these forms need no form kit). */
const field = (form: HTMLFormElement, name: string) => String(new FormData(form).get(name) ?? '').trim();

/** The project's latest finished film's thumbnail, or a blank frame when it has none yet. */
function LatestThumbnail({ project }: { project: ProjectOut }) {
  const { t } = useTranslation();
  const latest = useQuery({
    queryKey: ['renders', project.id, 'latest'],
    queryFn: () => data(jobsList({ query: { project_id: project.id, status: 'succeeded', limit: 1 } })),
  });
  const job = latest.data?.items[0];
  const url = useBlobUrl(job?.outputs?.includes('thumbnail') ? `/api/v1/jobs/${job.id}/outputs/thumbnail` : null);
  // eslint-disable-next-line @next/next/no-img-element
  if (url) return <img src={url} alt={t('projects.thumbnail', { name: project.name })} className="aspect-video w-28 rounded object-cover" data-testid="project-thumbnail" />;
  return <div className="aspect-video w-28 rounded bg-slate-200" aria-hidden="true" />;
}

function ProjectRow({ project }: { project: ProjectOut }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const invalidate = () => queryClient.invalidateQueries({ queryKey: ['projects'] });
  const rename = useMutation({
    mutationFn: (name: string) => data(projectsUpdate({ path: { project_id: project.id }, body: { name } })),
    onSuccess: () => {
      setEditing(false);
      void invalidate();
    },
  });
  const remove = useMutation({
    mutationFn: () => data(projectsDelete({ path: { project_id: project.id } })),
    onSuccess: () => void invalidate(),
  });
  return (
    <li className="flex flex-wrap items-center gap-2 rounded border border-slate-300 bg-white p-3">
      <LatestThumbnail project={project} />
      {editing ? (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            rename.mutate(field(event.currentTarget, 'name'));
          }}
          className="flex grow gap-2"
        >
          <label className="sr-only" htmlFor={`name-${project.id}`}>
            {t('projects.name')}
          </label>
          <input id={`name-${project.id}`} name="name" required defaultValue={project.name} className="grow rounded border border-slate-500 p-1" />
          <button type="submit" className="rounded bg-blue-800 px-2 text-white">
            {t('common.save')}
          </button>
        </form>
      ) : (
        <Link href={`/projects/view/?id=${project.id}`} className="grow font-semibold text-blue-800 underline">
          {project.name}
        </Link>
      )}
      <span className="text-sm text-slate-700">{new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(project.created_at))}</span>
      <button type="button" onClick={() => setEditing(!editing)} className="rounded border border-slate-400 px-2">
        {t('projects.rename')}
      </button>
      <button type="button" onClick={() => setConfirming(true)} className="rounded border border-red-800 px-2 text-red-800">
        {t('common.delete')}
      </button>
      {(rename.error || remove.error) && <p role="alert" className="w-full text-red-800">{(rename.error ?? remove.error)?.message}</p>}
      {confirming && (
        <Confirm
        open={confirming}
        title={t('projects.confirmDelete', { name: project.name })}
        onClose={() => setConfirming(false)}
        onConfirm={() => {
          setConfirming(false);
          remove.mutate();
        }}
        />
      )}
    </li>
  );
}

function Projects() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [offset, setOffset] = useState(0);
  const list = useQuery({
    queryKey: ['projects', offset],
    queryFn: () => data(projectsList({ query: { offset, limit: PAGE } })),
  });
  const create = useMutation({
    mutationFn: ({ name }: { name: string; form: HTMLFormElement }) => data(projectsCreate({ body: { name } })),
    onSuccess: (_, { form }) => {
      form.reset();
      void queryClient.invalidateQueries({ queryKey: ['projects'] });
    },
  });
  return (
    <>
      <h1 className="mb-4 text-2xl font-bold">{t('projects.title')}</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate({ name: field(event.currentTarget, 'name'), form: event.currentTarget });
        }}
        className="mb-4 flex gap-2"
      >
        <label className="flex grow flex-col">
          {t('projects.name')}
          <input name="name" required className="rounded border border-slate-500 p-2" />
        </label>
        <button type="submit" className="self-end rounded bg-blue-800 p-2 text-white">
          {t('projects.create')}
        </button>
      </form>
      {create.error && <p role="alert" className="text-red-800">{create.error.message}</p>}
      {list.isPending && <p role="status">{t('common.loading')}</p>}
      {list.data && list.data.items.length === 0 && <p>{t('projects.empty')}</p>}
      <ul className="flex flex-col gap-2">
        {list.data?.items.map((project) => <ProjectRow key={project.id} project={project} />)}
      </ul>
      {list.data && list.data.total > PAGE && (
        <div className="mt-3 flex gap-2">
          <button type="button" disabled={offset === 0} onClick={() => setOffset(offset - PAGE)} className="rounded border px-2">
            {t('common.previous')}
          </button>
          <button type="button" disabled={offset + PAGE >= list.data.total} onClick={() => setOffset(offset + PAGE)} className="rounded border px-2">
            {t('common.next')}
          </button>
        </div>
      )}
    </>
  );
}

export default function ProjectsPage() {
  return (
    <RequireAuth>
      <Projects />
    </RequireAuth>
  );
}
