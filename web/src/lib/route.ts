import { useRouter } from 'next/router';

/** A query-string value of the page's URL (`/render/?job=…`): null until the router has read the
 *  URL (a static page is prerendered without one), '' when absent. */
export function useQueryParam(name: string): string | null {
  const router = useRouter();
  if (!router.isReady) return null;
  const value = router.query[name];
  return typeof value === 'string' ? value : '';
}
