'use client';
import { Suspense } from 'react';
import { Project } from '@/components/Project';
import { RequireAuth } from '@/components/RequireAuth';

export default function ProjectPage() {
  return (
    <RequireAuth>
      <Suspense>
        <Project />
      </Suspense>
    </RequireAuth>
  );
}
