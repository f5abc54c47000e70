import { describe, expect, it } from 'vitest';
import { en } from '../../../extension/lib/i18n/en';
import { zh_CN } from '../../../extension/lib/i18n/zh_CN';
import { localeFor, translator } from '../../../extension/lib/i18n';
import { protectEn, protectTranslator, protectZhCN } from '../../../extension/lib/protect/messages';

/** The positional placeholders a text uses, e.g. ['{0}', '{1}']. */
function placeholders(text: string): string[] {
  return [...text.matchAll(/\{\d\}/g)].map((m) => m[0]).sort();
}

describe.each([
  ['extension', en as Record<string, string>, zh_CN as Record<string, string>],
  ['protect page', protectEn as Record<string, string>, protectZhCN as Record<string, string>],
])('%s strings', (_name, english, chinese) => {
  it('Simplified Chinese has exactly the English keys', () => {
    expect(Object.keys(chinese).sort()).toEqual(Object.keys(english).sort());
  });

  it.each(Object.keys(english))('%s: both texts are non-empty and take the same placeholders', (key) => {
    expect(english[key].trim()).not.toBe('');
    expect(chinese[key].trim()).not.toBe('');
    expect(placeholders(chinese[key])).toEqual(placeholders(english[key]));
  });
});

describe('locale choice and substitution', () => {
  it.each([
    ['zh-CN', 'zh_CN'],
    ['zh-TW', 'zh_CN'],
    ['zh', 'zh_CN'],
    ['en-US', 'en'],
    ['fr', 'en'],
    [undefined, 'en'],
  ] as const)('%s → %s', (tag, locale) => {
    expect(localeFor(tag)).toBe(locale);
  });

  it('fills positional substitutions in order', () => {
    expect(translator('en')('popupListEntries', 12, 3)).toBe('12 entries, version 3');
    expect(translator('zh_CN')('popupListEntries', 12, 3)).toBe('12 条，版本 3');
    expect(protectTranslator('zh-CN')('progress', 1, 4)).toBe('正在生成指纹：第 1 张，共 4 张…');
  });
});
