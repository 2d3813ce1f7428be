// The session: the access token in memory only (Zustand, never persisted); the refresh token in
// the API's HttpOnly cookie, which this code never sees. Refreshes silently before expiry and on
// reload; one refresh at a time, since a refresh token works once and reuse ends the session.
import { create } from 'zustand';
import { authLogin, authLogout, authRefresh, usersMe } from '@/client';
import { client } from '@/client/client.gen';
import type { UserOut } from '@/client';

type Status = 'unknown' | 'signedIn' | 'signedOut';

interface AuthState {
  status: Status;
  token: string | null;
  user: UserOut | null;
}

export const useAuth = create<AuthState>(() => ({ status: 'unknown', token: null, user: null }));

const COOKIE_MODE = { 'X-Auth-Cookie': '1' };
const EARLY_S = 60; // refresh this long before the access token expires
let timer: ReturnType<typeof setTimeout> | undefined;
let inFlight: Promise<boolean> | null = null;

client.setConfig({ baseUrl: '', credentials: 'same-origin' });
client.interceptors.request.use((request) => {
  const token = useAuth.getState().token;
  if (token && !request.headers.has('Authorization')) request.headers.set('Authorization', `Bearer ${token}`);
  return request;
});

async function adopt(accessToken: string, expiresIn: number): Promise<void> {
  useAuth.setState({ token: accessToken });
  clearTimeout(timer);
  timer = setTimeout(() => void refresh(), Math.max(5, expiresIn - EARLY_S) * 1000);
  const me = await usersMe();
  useAuth.setState({ status: 'signedIn', user: me.data ?? null });
}

function signedOut(): void {
  clearTimeout(timer);
  useAuth.setState({ status: 'signedOut', token: null, user: null });
}

/** Trade the refresh cookie for a new access token; false (and signed out) when it is refused. */
export function refresh(): Promise<boolean> {
  inFlight ??= (async () => {
    try {
      const response = await authRefresh({ headers: COOKIE_MODE });
      if (!response.data) {
        signedOut();
        return false;
      }
      await adopt(response.data.access_token, response.data.expires_in);
      return true;
    } catch {
      signedOut();
      return false;
    } finally {
      inFlight = null;
    }
  })();
  return inFlight;
}

export async function signIn(email: string, password: string): Promise<string | null> {
  const response = await authLogin({ body: { email, password }, headers: COOKIE_MODE });
  if (!response.data) return detail(response.error) ?? 'error';
  await adopt(response.data.access_token, response.data.expires_in);
  return null;
}

export async function signOut(): Promise<void> {
  await authLogout({ headers: COOKIE_MODE }).catch(() => undefined);
  signedOut();
}

/** The API's error text: `detail` as a string, or the first validation message. */
export function detail(error: unknown): string | null {
  if (!error || typeof error !== 'object') return null;
  const value = (error as { detail?: unknown }).detail;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.length > 0) {
    const first = value[0] as { loc?: unknown[]; msg?: string };
    return `${(first.loc ?? []).slice(1).join('.')}: ${first.msg ?? ''}`;
  }
  return null;
}

/** Fetch with the access token (media the player and downloads need as blobs). */
export async function authorizedFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = useAuth.getState().token;
  if (token) headers.set('Authorization', `Bearer ${token}`);
  let response = await fetch(url, { ...init, headers });
  if (response.status === 401 && (await refresh())) {
    headers.set('Authorization', `Bearer ${useAuth.getState().token}`);
    response = await fetch(url, { ...init, headers });
  }
  return response;
}
