import { Project } from '@/components/Project';
import { RequireAuth } from '@/components/RequireAuth';

export default function ProjectPage() {
  return (
    <RequireAuth>
      <Project />
    </RequireAuth>
  );
}
