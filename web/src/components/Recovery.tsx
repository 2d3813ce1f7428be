// The pages a mailed link opens (/verify-email, /reset-password: the token in the URL fragment,
// which browsers never send to a server) and the "forgot password" form that mails one.
import Link from 'next/link';
import { useEffect, useState } from 'react';
import { useForm } from 'react-hook-form';
import { authForgotPassword, authResetPassword, authSendVerificationLink, authVerifyEmail } from '@/client';
import { useAuth } from '@/lib/auth';
import { data } from '@/lib/api';
import { useTranslation } from '@/lib/i18n';

/** The link's token, read once from `#token=…` and then taken out of the address bar. */
function useFragmentToken(): string | null | undefined {
  const [token, setToken] = useState<string | null | undefined>(undefined);
  useEffect(() => {
    const found = new URLSearchParams(location.hash.slice(1)).get('token');
    if (found) history.replaceState(null, '', location.pathname + location.search);
    setToken(found);
  }, []);
  return token;
}

function Outcome({ ok, text }: { ok: boolean; text: string }) {
  return (
    <p role={ok ? 'status' : 'alert'} className={ok ? 'text-green-900' : 'text-red-800'} data-testid="outcome">
      {text}
    </p>
  );
}

/** A signed-in user whose link failed (missing, used, expired) asks for a new one. */
function SendAgain() {
  const { t } = useTranslation();
  const signedIn = useAuth((state) => state.status === 'signedIn');
  const [sent, setSent] = useState<{ ok: boolean; text: string } | null>(null);
  if (!signedIn) return null;
  const send = () =>
    data(authSendVerificationLink())
      .then((notice) => setSent({ ok: true, text: notice.detail }))
      .catch((error: Error) => setSent({ ok: false, text: error.message }));
  return (
    <>
      <button type="button" onClick={send} className="rounded bg-blue-800 p-2 text-white">
        {t('recovery.sendVerification')}
      </button>
      {sent && (
        <p role={sent.ok ? 'status' : 'alert'} data-testid="sent">
          {sent.text}
        </p>
      )}
    </>
  );
}

export function VerifyEmail() {
  const { t } = useTranslation();
  const token = useFragmentToken();
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  useEffect(() => {
    if (token === undefined) return;
    if (!token) return setResult({ ok: false, text: t('recovery.noToken') });
    data(authVerifyEmail({ body: { token } }))
      .then(() => setResult({ ok: true, text: t('recovery.verified') }))
      .catch((error: Error) => setResult({ ok: false, text: error.message }));
    // once per link
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [token]);
  return (
    <div className="mx-auto flex max-w-sm flex-col gap-3">
      <h1 className="text-2xl font-bold">{t('recovery.verifyTitle')}</h1>
      {result ? <Outcome {...result} /> : <p role="status">{t('common.loading')}</p>}
      {result && !result.ok && <SendAgain />}
      <Link href="/projects/" className="text-blue-800 underline">
        {t('nav.projects')}
      </Link>
    </div>
  );
}

export function ResetPassword() {
  const { t } = useTranslation();
  const token = useFragmentToken();
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const { register, handleSubmit, formState } = useForm<{ password: string }>();
  const onSubmit = async ({ password }: { password: string }) => {
    if (!token) return setResult({ ok: false, text: t('recovery.noToken') });
    await data(authResetPassword({ body: { token, new_password: password } }))
      .then(() => setResult({ ok: true, text: t('recovery.reset') }))
      .catch((error: Error) => setResult({ ok: false, text: error.message }));
  };
  return (
    <form onSubmit={handleSubmit(onSubmit)} className="mx-auto flex max-w-sm flex-col gap-3" noValidate>
      <h1 className="text-2xl font-bold">{t('recovery.resetTitle')}</h1>
      {token === null && <Outcome ok={false} text={t('recovery.noToken')} />}
      <label className="flex flex-col">
        {t('recovery.newPassword')}
        <input type="password" autoComplete="new-password" aria-describedby="password-hint" className="rounded border border-slate-500 p-2" {...register('password', { required: true, minLength: 8 })} />
      </label>
      <p id="password-hint" className="text-sm text-slate-700">
        {t('auth.passwordHint')}
      </p>
      {formState.errors.password && <p role="alert" className="text-red-800">{t('auth.passwordHint')}</p>}
      {result && <Outcome {...result} />}
      <button type="submit" disabled={formState.isSubmitting || !token || result?.ok} className="rounded bg-blue-800 p-2 text-white disabled:bg-slate-500">
        {t('recovery.setPassword')}
      </button>
      <Link href="/signin/" className="text-blue-800 underline">
        {t('auth.signIn')}
      </Link>
    </form>
  );
}

export function ForgotPassword() {
  const { t } = useTranslation();
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const { register, handleSubmit, formState } = useForm<{ email: string }>();
  const onSubmit = async ({ email }: { email: string }) => {
    await data(authForgotPassword({ body: { email } }))
      .then(() => setResult({ ok: true, text: t('recovery.sent', { email }) }))
      .catch((error: Error) => setResult({ ok: false, text: error.message }));
  };
  return (
    <form onSubmit={handleSubmit(onSubmit)} className="mx-auto flex max-w-sm flex-col gap-3" noValidate>
      <h1 className="text-2xl font-bold">{t('recovery.forgotTitle')}</h1>
      <label className="flex flex-col">
        {t('auth.email')}
        <input type="email" autoComplete="email" className="rounded border border-slate-500 p-2" {...register('email', { required: true })} />
      </label>
      {result && <Outcome {...result} />}
      <button type="submit" disabled={formState.isSubmitting} className="rounded bg-blue-800 p-2 text-white">
        {t('recovery.send')}
      </button>
      <Link href="/signin/" className="text-blue-800 underline">
        {t('auth.signIn')}
      </Link>
    </form>
  );
}
