import { useMutation } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { voicesList, voicesPreview } from '@/client';
import { data } from '@/lib/api';
import { useTranslation } from '@/lib/i18n';

/** ▶: hear `voice` (or, left empty, the film language's first voice) say `text` — the API's
 *  short WAV, played in the page; the API's refusal (an unknown voice) shown beside it. */
export function VoicePreview({ name, voice, language, text }: { name: string; voice: string; language: string; text: string }) {
  const { t } = useTranslation();
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => () => void (url && URL.revokeObjectURL(url)), [url]);
  const play = useMutation({
    mutationFn: async () => {
      const chosen = voice.trim() || (await data(voicesList({ query: { language } })))[0]?.name;
      if (!chosen) throw new Error(t('project.noVoice', { language }));
      const clip = await data(voicesPreview({ body: { voice: chosen, text: text.slice(0, 200) } }));
      return URL.createObjectURL(clip as Blob);
    },
    onSuccess: setUrl,
  });
  return (
    <span className="flex items-center gap-2">
      <button type="button" onClick={() => play.mutate()} disabled={play.isPending} className="rounded border border-slate-500 px-2" aria-label={t('project.preview', { name })}>
        ▶
      </button>
      {url && <audio src={url} autoPlay data-testid={`voice-preview-${name}`} aria-label={t('project.preview', { name })} />}
      {play.error && (
        <span role="alert" className="text-sm text-red-800">
          {play.error.message}
        </span>
      )}
    </span>
  );
}
