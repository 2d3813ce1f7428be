import { VerifyEmail } from '@/components/Recovery';

export default function Page() {
  return <VerifyEmail />;
}
