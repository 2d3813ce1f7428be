'use client';
// The interface language: chosen by the user, remembered in localStorage, English by default.
// Every visible string comes from src/locales/<lang>.json (tests/unit/catalogs.test.ts checks them).
import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import ar from '@/locales/ar.json';
import en from '@/locales/en.json';
import es from '@/locales/es.json';
import hi from '@/locales/hi.json';

export const LANGUAGES = { en: 'English', hi: 'हिन्दी', es: 'Español', ar: 'العربية' } as const;
export type Language = keyof typeof LANGUAGES;
export const RTL: ReadonlySet<string> = new Set(['ar']);
const STORAGE_KEY = 'filmstudio.language';

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, hi: { translation: hi }, es: { translation: es }, ar: { translation: ar } },
  lng: 'en',
  fallbackLng: 'en',
  interpolation: { escapeValue: false },
});

function apply(language: string): void {
  document.documentElement.lang = language;
  document.documentElement.dir = RTL.has(language) ? 'rtl' : 'ltr';
}

export function setLanguage(language: Language): void {
  localStorage.setItem(STORAGE_KEY, language);
  void i18n.changeLanguage(language);
  apply(language);
}

export function restoreLanguage(): void {
  const saved = localStorage.getItem(STORAGE_KEY);
  const language = saved && saved in LANGUAGES ? saved : 'en';
  void i18n.changeLanguage(language);
  apply(language);
}

export default i18n;
