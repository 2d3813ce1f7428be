import { useEffect, useState } from 'react';
import { authorizedFetch } from '@/lib/auth';

/** An object URL for media the API serves only with the access token (films, stills,
 *  thumbnails): null until fetched, or when url is null or refused; revoked when url changes. */
export function useBlobUrl(url: string | null): string | null {
  const [blobUrl, setBlobUrl] = useState<string | null>(null);
  useEffect(() => {
    setBlobUrl(null);
    if (!url) return;
    let live = true;
    let objectUrl: string | null = null;
    void authorizedFetch(url).then(async (response) => {
      if (!response.ok) return;
      const blob = await response.blob();
      if (!live) return;
      objectUrl = URL.createObjectURL(blob);
      setBlobUrl(objectUrl);
    });
    return () => {
      live = false;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [url]);
  return blobUrl;
}
