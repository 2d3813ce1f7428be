import Link from 'next/link';
import { useRouter } from 'next/router';
import { useEffect, useState } from 'react';
import { useForm } from 'react-hook-form';
import { useTranslation } from '@/lib/i18n';
import { authProviders, authRegister, type ProviderOut } from '@/client';
import { detail, signIn } from '@/lib/auth';

interface Fields {
  email: string;
  password: string;
}

/** Where to go once signed in: the page that sent the visitor here (a path of this site). */
function nextPath(): string {
  const next = new URLSearchParams(location.search).get('next');
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/projects/';
}

/** "Sign in with …" for each provider the studio has (OpenID Connect, GitHub): its login URL, which
 *  comes back signed in (the refresh cookie) to the page asked for. */
function ProviderButtons() {
  const { t } = useTranslation();
  const [providers, setProviders] = useState<ProviderOut[]>([]);
  const [next, setNext] = useState('/projects/');
  useEffect(() => {
    setNext(nextPath());
    void authProviders().then((response) => setProviders(response.data ?? []));
  }, []);
  if (providers.length === 0) return null;
  return (
    <ul className="flex flex-col gap-2" aria-label={t('auth.providers')}>
      {providers.map((provider) => (
        <li key={provider.name}>
          <a href={`${provider.login_url}?return_to=${encodeURIComponent(next)}`} className="block rounded border border-slate-500 p-2 text-center">
            {t('auth.signInWith', { provider: provider.display_name })}
          </a>
        </li>
      ))}
    </ul>
  );
}

export function AuthForm({ mode }: { mode: 'signin' | 'signup' }) {
  const { t } = useTranslation();
  const router = useRouter();
  const [problem, setProblem] = useState<string | null>(null);
  const { register, handleSubmit, formState } = useForm<Fields>();
  const onSubmit = async ({ email, password }: Fields) => {
    setProblem(null);
    if (mode === 'signup') {
      const created = await authRegister({ body: { email, password } });
      if (!created.data) return setProblem(detail(created.error) ?? t('common.error'));
    }
    const failed = await signIn(email, password);
    if (failed) return setProblem(failed);
    void router.replace(nextPath());
  };
  const title = mode === 'signin' ? t('auth.signIn') : t('auth.signUp');
  return (
    <form onSubmit={handleSubmit(onSubmit)} className="mx-auto flex max-w-sm flex-col gap-3" noValidate>
      <h1 className="text-2xl font-bold">{title}</h1>
      <label className="flex flex-col">
        {t('auth.email')}
        <input type="email" autoComplete="email" className="rounded border border-slate-500 p-2" {...register('email', { required: true })} />
      </label>
      <label className="flex flex-col">
        {t('auth.password')}
        <input
          type="password"
          autoComplete={mode === 'signin' ? 'current-password' : 'new-password'}
          className="rounded border border-slate-500 p-2"
          aria-describedby={mode === 'signup' ? 'password-hint' : undefined}
          {...register('password', { required: true, minLength: mode === 'signup' ? 8 : 1 })}
        />
      </label>
      {mode === 'signup' && (
        <p id="password-hint" className="text-sm text-slate-700">
          {t('auth.passwordHint')}
        </p>
      )}
      {formState.errors.password && <p role="alert" className="text-red-800">{t('auth.passwordHint')}</p>}
      {problem && (
        <p role="alert" className="text-red-800">
          {problem}
        </p>
      )}
      <button type="submit" disabled={formState.isSubmitting} className="rounded bg-blue-800 p-2 text-white">
        {title}
      </button>
      <ProviderButtons />
      {mode === 'signin' ? (
        <>
          <Link href="/forgot-password/" className="text-blue-800 underline">
            {t('auth.forgot')}
          </Link>
          <Link href="/signup/" className="text-blue-800 underline">
            {t('auth.noAccount')}
          </Link>
        </>
      ) : (
        <Link href="/signin/" className="text-blue-800 underline">
          {t('auth.haveAccount')}
        </Link>
      )}
    </form>
  );
}
