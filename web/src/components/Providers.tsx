import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useEffect, useState, type ReactNode } from 'react';
import { refresh } from '@/lib/auth';
import { restoreLanguage } from '@/lib/i18n';
import { Header } from '@/components/Header';

export function Providers({ children }: { children: ReactNode }) {
  const [queryClient] = useState(
    () =>
      new QueryClient({
        defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false } },
        queryCache: new QueryCache({
          onError: (error) => {
            if ((error as { status?: number }).status === 401) void refresh();
          },
        }),
      }),
  );
  useEffect(() => {
    void restoreLanguage();
    void refresh(); // a reload: the cookie brings the session back
  }, []);
  return (
    <QueryClientProvider client={queryClient}>
      <Header />
      <main id="main" className="mx-auto w-full max-w-5xl p-4">
        {children}
      </main>
    </QueryClientProvider>
  );
}
