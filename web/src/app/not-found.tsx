'use client';
import Link from 'next/link';
import { useTranslation } from 'react-i18next';

export default function NotFound() {
  const { t } = useTranslation();
  return (
    <>
      <h1 className="text-2xl font-bold">{t('common.notFound')}</h1>
      <Link href="/" className="text-blue-800 underline">
        {t('common.home')}
      </Link>
    </>
  );
}
