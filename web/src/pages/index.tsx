import { useRouter } from 'next/router';
import { useEffect } from 'react';
import { useTranslation } from '@/lib/i18n';
import { useAuth } from '@/lib/auth';

export default function Home() {
  const { t } = useTranslation();
  const status = useAuth((s) => s.status);
  const router = useRouter();
  useEffect(() => {
    if (status === 'signedIn') void router.replace('/projects/');
    if (status === 'signedOut') void router.replace('/signin/');
  }, [status, router]);
  return (
    <>
      <h1 className="text-2xl font-bold">{t('app.name')}</h1>
      <p role="status">{t('common.loading')}</p>
    </>
  );
}
