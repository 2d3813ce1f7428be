'use client';
import { Suspense } from 'react';
import { Render } from '@/components/Render';
import { RequireAuth } from '@/components/RequireAuth';

export default function RenderPage() {
  return (
    <RequireAuth>
      <Suspense>
        <Render />
      </Suspense>
    </RequireAuth>
  );
}
