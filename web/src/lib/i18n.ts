// The interface language: chosen by the user, remembered in localStorage, English by default.
// Every visible string comes from src/locales/<lang>.json (tests/unit/catalogs.test.ts checks them).
// Hand-written rather than i18next: the catalogs need only nested keys and {{name}} values, and
// i18next alone weighed 16 kB gzipped of the 150 kB first-load budget. English is in the bundle
// (the static pages are prerendered in it); the other catalogs load when chosen.
import { useCallback } from 'react';
import { create } from 'zustand';
import en from '@/locales/en.json';

export const LANGUAGES = { en: 'English', hi: 'हिन्दी', es: 'Español', ar: 'العربية' } as const;
export type Language = keyof typeof LANGUAGES;
export const RTL: ReadonlySet<string> = new Set(['ar']);
const STORAGE_KEY = 'filmstudio.language';

type Catalog = { [key: string]: string | Catalog };
type Params = Record<string, unknown> & { defaultValue?: string };

const LOADERS: Record<Exclude<Language, 'en'>, () => Promise<{ default: Catalog }>> = {
  hi: () => import('@/locales/hi.json'),
  es: () => import('@/locales/es.json'),
  ar: () => import('@/locales/ar.json'),
};

const useLanguage = create<{ language: Language; catalog: Catalog }>(() => ({ language: 'en', catalog: en }));

function lookup(catalog: Catalog, key: string): string | undefined {
  let node: string | Catalog | undefined = catalog;
  for (const part of key.split('.')) node = typeof node === 'object' ? node[part] : undefined;
  return typeof node === 'string' ? node : undefined;
}

/** The catalog's text for a dotted key with {{name}} filled from params; English, then
 *  params.defaultValue, then the key itself when the catalog lacks it. */
export function translate(catalog: Catalog, key: string, params: Params = {}): string {
  const text = lookup(catalog, key) ?? lookup(en, key) ?? params.defaultValue ?? key;
  return text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => String(params[name] ?? ''));
}

/** `t` for the current language and the language's code (for Intl formatters). */
export function useTranslation() {
  const { language, catalog } = useLanguage();
  const t = useCallback((key: string, params?: Params) => translate(catalog, key, params), [catalog]);
  return { t, i18n: { language } };
}

async function use(language: Language): Promise<void> {
  const catalog = language === 'en' ? en : (await LOADERS[language]()).default;
  useLanguage.setState({ language, catalog });
  document.documentElement.lang = language;
  document.documentElement.dir = RTL.has(language) ? 'rtl' : 'ltr';
}

export function setLanguage(language: Language): Promise<void> {
  localStorage.setItem(STORAGE_KEY, language);
  return use(language);
}

export function restoreLanguage(): Promise<void> {
  const saved = localStorage.getItem(STORAGE_KEY);
  return use(saved && saved in LANGUAGES ? (saved as Language) : 'en');
}
