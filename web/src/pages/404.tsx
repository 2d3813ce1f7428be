import Link from 'next/link';
import { useTranslation } from '@/lib/i18n';

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
