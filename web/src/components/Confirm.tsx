import { Dialog, DialogPanel, DialogTitle } from '@headlessui/react';
import { useTranslation } from '@/lib/i18n';

/** A modal yes/no question (focus trapped, Escape cancels). */
export function Confirm({ open, title, onConfirm, onClose }: { open: boolean; title: string; onConfirm: () => void; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Dialog open={open} onClose={onClose} className="relative z-50">
      <div className="fixed inset-0 bg-black/40" aria-hidden="true" />
      <div className="fixed inset-0 flex items-center justify-center p-4">
        <DialogPanel className="max-w-sm rounded bg-white p-4 shadow">
          <DialogTitle className="mb-4 font-bold">{title}</DialogTitle>
          <div className="flex justify-end gap-2">
            <button type="button" onClick={onClose} className="rounded border border-slate-400 px-3 py-1">
              {t('common.cancel')}
            </button>
            <button type="button" onClick={onConfirm} className="rounded bg-red-800 px-3 py-1 text-white">
              {t('common.delete')}
            </button>
          </div>
        </DialogPanel>
      </div>
    </Dialog>
  );
}
