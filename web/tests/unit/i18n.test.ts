import { describe, expect, it } from 'vitest';
import { translate } from '@/lib/i18n';
import ar from '@/locales/ar.json';
import en from '@/locales/en.json';

describe('translate', () => {
  it('fills {{placeholders}} in the chosen catalog', () => {
    expect(translate(en, 'project.voiceFor', { name: 'MARA' })).toBe('Voice for MARA');
    expect(translate(ar, 'projects.title')).toBe('المشاريع');
  });
  it('falls back to English, then the default value, then the key', () => {
    expect(translate({}, 'projects.title')).toBe('Projects');
    expect(translate(en, 'job.status.paused', { defaultValue: 'paused' })).toBe('paused');
    expect(translate(en, 'no.such.key')).toBe('no.such.key');
  });
});
