import { Render } from '@/components/Render';
import { RequireAuth } from '@/components/RequireAuth';

export default function RenderPage() {
  return (
    <RequireAuth>
      <Render />
    </RequireAuth>
  );
}
