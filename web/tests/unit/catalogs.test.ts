import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// Every catalog has every key of every other catalog, the same {{placeholders}}, and every key
// the source asks for with t('…') exists in English.
const DIR = join(__dirname, '../../src/locales');
const LANGUAGES = ['en', 'hi', 'es', 'ar'];

type Tree = { [key: string]: string | Tree };
function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(path, value);
    else for (const [k, v] of flatten(value, path)) out.set(k, v);
  }
  return out;
}
const catalogs = Object.fromEntries(
  LANGUAGES.map((lang) => [lang, flatten(JSON.parse(readFileSync(join(DIR, `${lang}.json`), 'utf8')))]),
);
const placeholders = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? (entry.name === 'client' ? [] : sources(join(dir, entry.name))) : /\.tsx?$/.test(entry.name) ? [join(dir, entry.name)] : [],
  );
}

describe('catalogs', () => {
  it('are exactly the four languages', () => {
    expect(readdirSync(DIR).sort()).toEqual(LANGUAGES.map((l) => `${l}.json`).sort());
  });
  const keys = new Set(LANGUAGES.flatMap((lang) => [...catalogs[lang].keys()]));
  for (const lang of LANGUAGES) {
    it(`${lang} has every key, none empty, same placeholders`, () => {
      const missing = [...keys].filter((key) => !catalogs[lang].has(key));
      expect(missing).toEqual([]);
      for (const [key, text] of catalogs[lang]) {
        expect(text.trim(), `${lang}:${key}`).not.toBe('');
        expect(placeholders(text), `${lang}:${key}`).toEqual(placeholders(catalogs.en.get(key) ?? ''));
      }
    });
  }
  it('hold every literal key the code uses', () => {
    const used = sources(join(__dirname, '../../src')).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/\bt\('([\w.]+)'/g)].map((m) => m[1]),
    );
    expect(used.length).toBeGreaterThan(50);
    expect(used.filter((key) => !catalogs.en.has(key))).toEqual([]);
  });
});
