// Every page: the shared providers and header around it. The Pages Router, not the App Router:
// the App Router's own client runtime is about 135 kB gzipped, leaving nothing of the 150 kB
// first-load budget for the app (benchmarks/results.md).
import type { AppProps } from 'next/app';
import Head from 'next/head';
import '@/styles.css';
import { Providers } from '@/components/Providers';

export default function App({ Component, pageProps }: AppProps) {
  return (
    <>
      <Head>
        <title>AI Film Studio</title>
        <meta name="viewport" content="width=device-width, initial-scale=1" />
      </Head>
      <Providers>
        <Component {...pageProps} />
      </Providers>
    </>
  );
}
