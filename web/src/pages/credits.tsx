import { useQuery } from '@tanstack/react-query';
import { useTranslation } from '@/lib/i18n';
import { creditsBalance, creditsLedger } from '@/client';
import { RequireAuth } from '@/components/RequireAuth';
import { data } from '@/lib/api';

function Credits() {
  const { t, i18n } = useTranslation();
  const balance = useQuery({ queryKey: ['balance'], queryFn: () => data(creditsBalance()) });
  const ledger = useQuery({ queryKey: ['ledger'], queryFn: () => data(creditsLedger({ query: { limit: 100 } })) });
  const number = new Intl.NumberFormat(i18n.language);
  const date = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'short' });
  return (
    <>
      <h1 className="mb-2 text-2xl font-bold">{t('credits.title')}</h1>
      {balance.data && <p className="mb-4">{t('credits.summary', { balance: number.format(balance.data.balance), allowance: number.format(balance.data.monthly_allowance) })}</p>}
      <table className="w-full border-collapse text-sm" data-testid="ledger">
        <caption className="sr-only">{t('credits.ledger')}</caption>
        <thead>
          <tr className="border-b text-start">
            <th scope="col" className="text-start">{t('credits.when')}</th>
            <th scope="col" className="text-start">{t('credits.kind')}</th>
            <th scope="col" className="text-end">{t('credits.amount')}</th>
            <th scope="col" className="text-end">{t('credits.balanceAfter')}</th>
            <th scope="col" className="text-start">{t('credits.note')}</th>
          </tr>
        </thead>
        <tbody>
          {ledger.data?.items.map((entry) => (
            <tr key={entry.id} className="border-b">
              <td>{date.format(new Date(entry.created_at))}</td>
              <td>{t(`credits.kinds.${entry.kind}`, { defaultValue: entry.kind })}</td>
              <td className="text-end">{number.format(entry.amount)}</td>
              <td className="text-end">{number.format(entry.balance_after)}</td>
              <td>{entry.note}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

export default function CreditsPage() {
  return (
    <RequireAuth>
      <Credits />
    </RequireAuth>
  );
}
