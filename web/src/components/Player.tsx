import { useEffect, useRef, type ReactNode } from 'react';
import { useAuth } from '@/lib/auth';

const HLS_TYPE = 'application/vnd.apple.mpegurl';

/** The film's player. While the render streams, `stream` is its HLS playlist (an .m3u8 URL):
 *  hls.js where the browser has Media Source Extensions, loaded only then (its light build: one
 *  rendition, subtitles come from the <track> children), else the browser's own HLS (older
 *  iOS). Once `mp4` is there it plays instead, from the same place and still playing if it was. */
export function Player({ stream, mp4, poster, children }: { stream: string | null; mp4: string | null; poster?: string; children?: ReactNode }) {
  const video = useRef<HTMLVideoElement>(null);
  // Where the previous source left off, noted before it is torn down (hls.js empties the element).
  const place = useRef({ at: 0, playing: false });
  useEffect(() => {
    const element = video.current;
    const source = mp4 ?? stream;
    if (!element || !source) return;
    const { at, playing } = place.current;
    const resume = () => {
      if (at > 0) element.currentTime = Math.min(at, element.duration || at);
      if (playing) void element.play().catch(() => undefined);
    };
    element.addEventListener('loadedmetadata', resume, { once: true });
    let destroy = () => {};
    if (mp4) element.src = mp4;
    // hls.js first, as its docs advise: a browser's own HLS need not follow a growing playlist
    // (Chromium's read it once and never again). Native HLS sets no header.
    else if (!hasMediaSource() && element.canPlayType(HLS_TYPE)) element.src = withToken(source);
    else {
      let cancelled = false;
      destroy = () => {
        cancelled = true;
      };
      void import('hls.js/light').then(({ default: Hls }) => {
        if (cancelled) return;
        if (!Hls.isSupported()) {
          element.src = withToken(source); // MSE without the codecs: the browser's own, if any
          return;
        }
        // The playlist is the owner's: same-origin API requests carry the access token (the
        // segments' own URLs are signed).
        const hls = new Hls({
          xhrSetup: (xhr, url) => {
            const token = useAuth.getState().token;
            if (token && new URL(url, location.href).origin === location.origin) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
          },
        });
        hls.loadSource(source);
        hls.attachMedia(element);
        destroy = () => hls.destroy();
      });
    }
    return () => {
      place.current = { at: element.currentTime, playing: !element.paused && !element.ended };
      element.removeEventListener('loadedmetadata', resume);
      destroy();
    };
  }, [stream, mp4]);
  return (
    <video ref={video} controls poster={poster} className="w-full max-w-3xl bg-black" data-testid="film" data-source={mp4 ? 'mp4' : stream ? 'stream' : 'none'}>
      {children}
    </video>
  );
}

/** The playlist's URL with the access token as `?token=` (the API takes it there for players
 *  that cannot set headers; the segments' own URLs are signed). */
function withToken(url: string): string {
  const token = useAuth.getState().token;
  if (!token) return url;
  return `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
}

/** Media Source Extensions (or Safari's ManagedMediaSource), which hls.js plays through. */
function hasMediaSource(): boolean {
  return typeof window !== 'undefined' && ('MediaSource' in window || 'ManagedMediaSource' in window);
}
