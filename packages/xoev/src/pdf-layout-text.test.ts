import { describe, expect, it } from 'vitest';
import { MAX_LAYOUT_TEXT, layoutText } from './pdf-layout-text.js';

describe('layoutText', () => {
  it('leaves text with spaces and words up to 40 characters as it is', () => {
    const text = `Müßig-Größer ${'x'.repeat(40)} Ende`;
    expect(layoutText(text)).toBe(text);
  });

  it('leaves runs of up to 200 characters as they are (a digest, a URL: cheap to break, and kept on the fast path)', () => {
    const text = `${'a'.repeat(200)} ${'c'.repeat(64)}`;
    expect(layoutText(text)).toBe(text);
  });

  it('gives a text with a run over 200 a break opportunity after every 40 characters of its long runs, never inside a surrogate pair', () => {
    expect(layoutText('a'.repeat(201))).toBe(`${`${'a'.repeat(40)}\u200b`.repeat(5)}a`);
    const emoji = '😀'.repeat(201);
    expect(layoutText(emoji)).toBe(`${`${'😀'.repeat(40)}\u200b`.repeat(5)}😀`);
    expect(layoutText(`${'b'.repeat(245)}\u200b${'b'.repeat(45)}`)).toBe(`${`${'b'.repeat(40)}\u200b`.repeat(6)}${'b'.repeat(5)}\u200b${'b'.repeat(40)}\u200b${'b'.repeat(5)}`);
  });

  it('cuts text longer than MAX_LAYOUT_TEXT and says so', () => {
    const shown = layoutText('x '.repeat(MAX_LAYOUT_TEXT));
    expect(shown).toBe(`${'x '.repeat(MAX_LAYOUT_TEXT / 2)} … (gekürzt)`);
  });
});
