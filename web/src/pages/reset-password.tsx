import { ResetPassword } from '@/components/Recovery';

export default function Page() {
  return <ResetPassword />;
}
