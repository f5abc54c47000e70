import { describe, expect, it } from 'vitest';
import { MAX_URL_LENGTH, parseBackgroundRequest, parseContentRequest, parseVerdict } from '../../../extension/lib/messages';

describe('background requests are validated on receipt', () => {
  it.each([
    [{ type: 'check', url: 'https://example.com/a.jpg' }, { type: 'check', url: 'https://example.com/a.jpg' }],
    [{ type: 'check', url: 'data:image/png;base64,AAAA' }, { type: 'check', url: 'data:image/png;base64,AAAA' }],
    [{ type: 'check', url: 'https://x/a.jpg', extra: 'dropped' }, { type: 'check', url: 'https://x/a.jpg' }],
    [{ type: 'check-data', dataUrl: 'data:image/jpeg;base64,AA' }, { type: 'check-data', dataUrl: 'data:image/jpeg;base64,AA' }],
    [{ type: 'page-count', hidden: 2, checked: 10 }, { type: 'page-count', hidden: 2, checked: 10 }],
    [{ type: 'tab-stats', tabId: 7 }, { type: 'tab-stats', tabId: 7 }],
    [{ type: 'status' }, { type: 'status' }],
    [{ type: 'sync-now' }, { type: 'sync-now' }],
  ])('accepts %j', (raw, parsed) => {
    expect(parseBackgroundRequest(raw)).toEqual(parsed);
  });

  it.each([
    ['not an object', 'check'],
    ['null', null],
    ['an array', [{ type: 'status' }]],
    ['an unknown type', { type: 'delete-everything' }],
    ['a javascript: URL', { type: 'check', url: 'javascript:alert(1)' }],
    ['a file: URL', { type: 'check', url: 'file:///etc/passwd' }],
    ['a data: URL that is not an image', { type: 'check', url: 'data:text/html,<b>x</b>' }],
    ['an over-long URL', { type: 'check', url: `https://x/${'a'.repeat(MAX_URL_LENGTH)}` }],
    ['a URL that is not a string', { type: 'check', url: 42 }],
    ['check-data that is not a data: URL', { type: 'check-data', dataUrl: 'https://x/a.jpg' }],
    ['a negative count', { type: 'page-count', hidden: -1, checked: 0 }],
    ['a fractional count', { type: 'page-count', hidden: 1.5, checked: 0 }],
    ['a missing count', { type: 'page-count', hidden: 1 }],
    ['a tab id that is not an integer', { type: 'tab-stats', tabId: '7' }],
  ])('refuses %s', (_what, raw) => {
    expect(parseBackgroundRequest(raw)).toBeNull();
  });
});

describe('content requests are validated on receipt', () => {
  it('accepts a reveal and a known notice', () => {
    expect(parseContentRequest({ type: 'reveal-url', url: 'https://x/a.jpg' })).toEqual({ type: 'reveal-url', url: 'https://x/a.jpg' });
    expect(parseContentRequest({ type: 'notice', key: 'noticeReported' })).toEqual({ type: 'notice', key: 'noticeReported' });
  });

  it.each([
    ['a notice key that is not a notice', { type: 'notice', key: 'extName' }],
    ['a notice without key', { type: 'notice' }],
    ['a reveal without URL', { type: 'reveal-url' }],
    ['an unknown type', { type: 'page-stats' }],
  ])('refuses %s', (_what, raw) => {
    expect(parseContentRequest(raw)).toBeNull();
  });
});

describe('verdicts from the background are validated by the content script', () => {
  it.each([
    [{ verdict: 'clear' }, { verdict: 'clear' }],
    [{ verdict: 'listed', list: 'reported' }, { verdict: 'listed', list: 'reported' }],
    [{ verdict: 'listed', list: 'confirmed', extra: 1 }, { verdict: 'listed', list: 'confirmed' }],
    [{ verdict: 'unchecked', reason: 'image/too-large-bytes' }, { verdict: 'unchecked', reason: 'image/too-large-bytes' }],
  ])('accepts %j', (raw, parsed) => {
    expect(parseVerdict(raw)).toEqual(parsed);
  });

  it.each([[null], [{ verdict: 'listed' }], [{ verdict: 'listed', list: 'everything' }], [{ verdict: 'maybe' }], [{ verdict: 'unchecked' }]])('refuses %j', (raw) => {
    expect(parseVerdict(raw)).toBeNull();
  });
});
