import { Head, Html, Main, NextScript } from 'next/document';

// The page shell: English until the chosen language loads (src/lib/i18n.ts sets lang and dir).
export default function Document() {
  return (
    <Html lang="en" dir="ltr">
      <Head>
        <meta name="description" content="Script in, film out." />
        <meta name="theme-color" content="#1e3a8a" />
        <link rel="manifest" href="/manifest.webmanifest" />
        <link rel="icon" href="/icon.svg" />
      </Head>
      <body className="min-h-screen bg-slate-50 text-slate-900">
        <Main />
        <NextScript />
      </body>
    </Html>
  );
}
