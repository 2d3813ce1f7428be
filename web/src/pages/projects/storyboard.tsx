import dynamic from 'next/dynamic';
import { RequireAuth } from '@/components/RequireAuth';

// The storyboard's cards, drag and drop and editing load with this page only.
const Storyboard = dynamic(() => import('@/components/Storyboard').then((m) => m.Storyboard), { ssr: false });

export default function StoryboardPage() {
  return (
    <RequireAuth>
      <Storyboard />
    </RequireAuth>
  );
}
