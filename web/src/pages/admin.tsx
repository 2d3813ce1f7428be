import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from '@/lib/i18n';
import { adminGrantCredits, adminListAllJobs, adminListUsers, type AdminUserOut } from '@/client';
import { RequireAuth } from '@/components/RequireAuth';
import { data } from '@/lib/api';

function GrantForm({ user }: { user: AdminUserOut }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const grant = useMutation({
    mutationFn: ({ amount }: { amount: number; form: HTMLFormElement }) => data(adminGrantCredits({ path: { user_id: user.id }, body: { amount, note: 'admin grant' } })),
    onSuccess: (_, { form }) => {
      form.reset();
      void queryClient.invalidateQueries();
    },
  });
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        grant.mutate({ amount: Number(new FormData(event.currentTarget).get('amount')), form: event.currentTarget });
      }}
      className="flex gap-1"
    >
      <label className="sr-only" htmlFor={`grant-${user.id}`}>
        {t('admin.grantFor', { email: user.email })}
      </label>
      <input id={`grant-${user.id}`} name="amount" type="number" step={1} required className="w-24 rounded border border-slate-500 p-1" />
      <button type="submit" className="rounded bg-blue-800 px-2 text-white">
        {t('admin.grant')}
      </button>
      {grant.error && <span role="alert" className="text-red-800">{grant.error.message}</span>}
    </form>
  );
}

function Admin() {
  const { t, i18n } = useTranslation();
  const users = useQuery({ queryKey: ['admin', 'users'], queryFn: () => data(adminListUsers({ query: { limit: 100 } })) });
  const jobs = useQuery({ queryKey: ['admin', 'jobs'], queryFn: () => data(adminListAllJobs({ query: { limit: 100 } })) });
  const date = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'short', timeStyle: 'short' });
  return (
    <>
      <h1 className="mb-4 text-2xl font-bold">{t('admin.title')}</h1>
      <h2 className="text-xl font-bold">{t('admin.users')}</h2>
      <table className="mb-6 w-full text-sm">
        <thead>
          <tr>
            <th scope="col" className="text-start">{t('auth.email')}</th>
            <th scope="col" className="text-start">{t('admin.role')}</th>
            <th scope="col" className="text-start">{t('admin.tier')}</th>
            <th scope="col" className="text-start">{t('admin.grant')}</th>
          </tr>
        </thead>
        <tbody>
          {users.data?.items.map((user) => (
            <tr key={user.id} className="border-b">
              <td>{user.email}</td>
              <td>{user.role}</td>
              <td>{user.tier}</td>
              <td>
                <GrantForm user={user} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2 className="text-xl font-bold">{t('admin.jobs')}</h2>
      <table className="w-full text-sm">
        <thead>
          <tr>
            <th scope="col" className="text-start">{t('credits.when')}</th>
            <th scope="col" className="text-start">{t('admin.kind')}</th>
            <th scope="col" className="text-start">{t('admin.state')}</th>
          </tr>
        </thead>
        <tbody>
          {jobs.data?.items.map((job) => (
            <tr key={job.id} className="border-b">
              <td>{date.format(new Date(job.created_at))}</td>
              <td>{job.kind}</td>
              <td>{t(`job.status.${job.status}`, { defaultValue: job.status })}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

export default function AdminPage() {
  return (
    <RequireAuth admin>
      <Admin />
    </RequireAuth>
  );
}
