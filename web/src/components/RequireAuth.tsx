import { useRouter } from 'next/router';
import { useEffect, type ReactNode } from 'react';
import { useTranslation } from '@/lib/i18n';
import { useAuth } from '@/lib/auth';

/** Render children once signed in; send a signed-out visitor to the sign-in page. */
export function RequireAuth({ children, admin = false }: { children: ReactNode; admin?: boolean }) {
  const { t } = useTranslation();
  const { status, user } = useAuth();
  const router = useRouter();
  useEffect(() => {
    if (status === 'signedOut') void router.replace(`/signin/?next=${encodeURIComponent(location.pathname + location.search)}`);
  }, [status, router]);
  if (status !== 'signedIn') return <p role="status">{t('common.loading')}</p>;
  if (admin && user?.role !== 'admin') return <p role="alert">{t('common.notFound')}</p>;
  return <>{children}</>;
}
