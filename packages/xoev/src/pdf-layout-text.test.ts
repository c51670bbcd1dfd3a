import { describe, expect, it } from 'vitest';
import { MAX_LAYOUT_TEXT, layoutText } from './pdf-layout-text.js';

describe('layoutText', () => {
  it('leaves text with spaces and words up to 40 characters as it is', () => {
    const text = `Müßig-Größer ${'x'.repeat(40)} Ende`;
    expect(layoutText(text)).toBe(text);
  });

  it('gives a long run a break opportunity after every 40 characters, never inside a surrogate pair', () => {
    expect(layoutText('a'.repeat(100))).toBe(`${'a'.repeat(40)}\u200b${'a'.repeat(40)}\u200b${'a'.repeat(20)}`);
    const emoji = '😀'.repeat(41);
    expect(layoutText(emoji)).toBe(`${'😀'.repeat(40)}\u200b😀`);
    expect(layoutText(`${'b'.repeat(45)}\u200b${'b'.repeat(45)}`)).toBe(`${'b'.repeat(40)}\u200b${'b'.repeat(5)}\u200b${'b'.repeat(40)}\u200b${'b'.repeat(5)}`);
  });

  it('cuts text longer than MAX_LAYOUT_TEXT and says so', () => {
    const shown = layoutText('x '.repeat(MAX_LAYOUT_TEXT));
    expect(shown).toBe(`${'x '.repeat(MAX_LAYOUT_TEXT / 2)} … (gekürzt)`);
  });
});
