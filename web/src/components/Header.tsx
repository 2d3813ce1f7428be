import Link from 'next/link';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from '@/lib/i18n';
import { creditsBalance } from '@/client';
import { data } from '@/lib/api';
import { signOut, useAuth } from '@/lib/auth';
import { LANGUAGES, setLanguage, type Language } from '@/lib/i18n';

export function Header() {
  const { t, i18n } = useTranslation();
  const { status, user } = useAuth();
  const balance = useQuery({
    queryKey: ['balance'],
    queryFn: () => data(creditsBalance()),
    enabled: status === 'signedIn',
    refetchInterval: 15_000,
  });
  return (
    <header className="border-b border-slate-300 bg-white">
      <nav aria-label={t('nav.label')} className="mx-auto flex max-w-5xl flex-wrap items-center gap-3 p-3">
        <Link href="/" className="font-bold text-slate-900">
          {t('app.name')}
        </Link>
        {status === 'signedIn' && (
          <>
            <Link href="/projects/" className="text-blue-800 underline">
              {t('nav.projects')}
            </Link>
            <Link href="/credits/" className="text-blue-800 underline">
              {t('nav.credits')}
            </Link>
            {user?.role === 'admin' && (
              <Link href="/admin/" className="text-blue-800 underline">
                {t('nav.admin')}
              </Link>
            )}
          </>
        )}
        <span className="grow" />
        {status === 'signedIn' && balance.data && (
          <span data-testid="balance" className="rounded bg-amber-100 px-2 py-1 text-sm text-slate-900">
            {t('credits.balance', { count: balance.data.balance, value: new Intl.NumberFormat(i18n.language).format(balance.data.balance) })}
          </span>
        )}
        <label className="text-sm">
          <span className="sr-only">{t('nav.language')}</span>
          <select
            value={i18n.language}
            onChange={(event) => void setLanguage(event.target.value as Language)}
            className="rounded border border-slate-400 bg-white p-1"
          >
            {Object.entries(LANGUAGES).map(([code, name]) => (
              <option key={code} value={code} lang={code}>
                {name}
              </option>
            ))}
          </select>
        </label>
        {status === 'signedIn' ? (
          <button type="button" onClick={() => void signOut().then(() => location.assign('/signin/'))} className="rounded border border-slate-400 px-2 py-1">
            {t('auth.signOut')}
          </button>
        ) : (
          <Link href="/signin/" className="text-blue-800 underline">
            {t('auth.signIn')}
          </Link>
        )}
      </nav>
    </header>
  );
}
