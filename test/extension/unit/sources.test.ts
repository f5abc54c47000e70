import { describe, expect, it } from 'vitest';
import { backgroundUrls } from '../../../extension/lib/content/sources';
import { dataUrlToBytes } from '../../../extension/lib/background/dataUrl';

describe('image URLs in a computed background-image', () => {
  it.each([
    ['none', []],
    ['', []],
    ['linear-gradient(red, blue)', []],
    ['url("https://a.test/x.jpg")', ['https://a.test/x.jpg']],
    ["url('https://a.test/x.jpg')", ['https://a.test/x.jpg']],
    ['url(https://a.test/x.jpg)', ['https://a.test/x.jpg']],
    ['url("https://a.test/a.jpg"), linear-gradient(red, blue), url("https://a.test/b.png")', ['https://a.test/a.jpg', 'https://a.test/b.png']],
    ['url("https://a.test/q\\"uote.jpg")', ['https://a.test/q"uote.jpg']],
    ['image-set(url("https://a.test/1x.jpg") 1x, url("https://a.test/2x.jpg") 2x)', ['https://a.test/1x.jpg', 'https://a.test/2x.jpg']],
  ])('%s', (value, urls) => {
    expect(backgroundUrls(value)).toEqual(urls);
  });
});

describe('data: URLs to bytes (blob: images the content script read)', () => {
  it('decodes base64', () => {
    expect([...dataUrlToBytes('data:image/png;base64,AAEC/w==')]).toEqual([0, 1, 2, 255]);
  });

  it('decodes percent-encoding byte by byte', () => {
    expect([...dataUrlToBytes('data:image/svg+xml,%3Csvg%FF')]).toEqual([0x3c, 0x73, 0x76, 0x67, 0xff]);
  });

  it('gives nothing for a URL without data', () => {
    expect(dataUrlToBytes('data:image/png;base64')).toHaveLength(0);
  });
});
