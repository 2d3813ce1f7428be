import { ForgotPassword } from '@/components/Recovery';

export default function Page() {
  return <ForgotPassword />;
}
