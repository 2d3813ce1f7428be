import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useDropzone } from 'react-dropzone';
import { useTranslation } from '@/lib/i18n';
import { assetsDelete, assetsList, type AssetOut } from '@/client';
import { data } from '@/lib/api';
import { detail, useAuth } from '@/lib/auth';
import { useBlobUrl } from '@/lib/media';

interface Upload {
  name: string;
  progress: number;
  error: string | null;
}

/** POST one file as multipart with upload progress (fetch reports none), resolving to the error text or null. */
function upload(projectId: string, file: File, onProgress: (fraction: number) => void): Promise<string | null> {
  return new Promise((resolve) => {
    const request = new XMLHttpRequest();
    request.open('POST', `/api/v1/projects/${projectId}/assets`);
    request.setRequestHeader('Authorization', `Bearer ${useAuth.getState().token}`);
    request.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
    request.onload = () => {
      if (request.status < 300) return resolve(null);
      let body: unknown = null;
      try {
        body = JSON.parse(request.responseText);
      } catch {}
      resolve(detail(body) ?? `HTTP ${request.status}`);
    };
    request.onerror = () => resolve('network error');
    const form = new FormData();
    form.append('file', file);
    request.send(form);
  });
}

function Thumbnail({ projectId, asset }: { projectId: string; asset: AssetOut }) {
  const url = useBlobUrl(asset.kind === 'image' ? `/api/v1/projects/${projectId}/assets/${asset.id}/content` : null);
  // eslint-disable-next-line @next/next/no-img-element
  return url ? <img src={url} alt={asset.filename} className="h-24 w-full object-cover" /> : <div className="flex h-24 items-center justify-center bg-slate-200 text-xs">{asset.kind ?? asset.filename}</div>;
}

export function Assets({ projectId }: { projectId: string }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [uploads, setUploads] = useState<Upload[]>([]);
  const list = useQuery({
    queryKey: ['assets', projectId],
    queryFn: () => data(assetsList({ path: { project_id: projectId }, query: { limit: 100 } })),
  });
  const remove = useMutation({
    mutationFn: (assetId: string) => data(assetsDelete({ path: { project_id: projectId, asset_id: assetId } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['assets', projectId] }),
  });
  const onDrop = async (files: File[]) => {
    const start = uploads.length;
    setUploads((current) => [...current, ...files.map((file) => ({ name: file.name, progress: 0, error: null }))]);
    await Promise.all(
      files.map(async (file, i) => {
        const update = (patch: Partial<Upload>) =>
          setUploads((current) => current.map((u, j) => (j === start + i ? { ...u, ...patch } : u)));
        const error = await upload(projectId, file, (progress) => update({ progress }));
        update({ progress: 1, error });
      }),
    );
    void queryClient.invalidateQueries({ queryKey: ['assets', projectId] });
  };
  const { getRootProps, getInputProps, isDragActive } = useDropzone({ onDrop });
  return (
    <section aria-labelledby="assets-title" className="mt-6">
      <h2 id="assets-title" className="mb-2 text-xl font-bold">
        {t('assets.title')}
      </h2>
      <div {...getRootProps({ className: `rounded border-2 border-dashed p-6 text-center ${isDragActive ? 'border-blue-800 bg-blue-50' : 'border-slate-500'}` })}>
        <input {...getInputProps({ 'aria-label': t('assets.drop') })} data-testid="asset-input" />
        <p>{t('assets.drop')}</p>
      </div>
      <ul className="mt-2">
        {uploads.map((u, i) => (
          <li key={i} className="flex items-center gap-2 text-sm">
            <span>{u.name}</span>
            <progress value={u.progress} max={1} aria-label={t('assets.progress', { name: u.name })} />
            {u.error && <span role="alert" className="text-red-800">{u.error}</span>}
          </li>
        ))}
      </ul>
      <ul className="mt-3 grid grid-cols-2 gap-2 sm:grid-cols-4" aria-label={t('assets.title')}>
        {list.data?.items.map((asset) => (
          <li key={asset.id} className="rounded border border-slate-300 bg-white p-1" data-testid="asset">
            <Thumbnail projectId={projectId} asset={asset} />
            <div className="flex items-center justify-between gap-1 text-xs">
              <span className="truncate">{asset.filename}</span>
              <button type="button" onClick={() => remove.mutate(asset.id)} className="text-red-800 underline" aria-label={t('assets.delete', { name: asset.filename })}>
                {t('common.delete')}
              </button>
            </div>
          </li>
        ))}
      </ul>
      {remove.error && <p role="alert" className="text-red-800">{remove.error.message}</p>}
    </section>
  );
}
