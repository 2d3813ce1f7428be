'use client';
import { useRouter } from 'next/navigation';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useAuth } from '@/lib/auth';

export default function Home() {
  const { t } = useTranslation();
  const status = useAuth((s) => s.status);
  const router = useRouter();
  useEffect(() => {
    if (status === 'signedIn') router.replace('/projects/');
    if (status === 'signedOut') router.replace('/signin/');
  }, [status, router]);
  return (
    <>
      <h1 className="text-2xl font-bold">{t('app.name')}</h1>
      <p role="status">{t('common.loading')}</p>
    </>
  );
}
