// Every file name that goes into a package (ZIP entry, xdomea Dateiname, XBau dateiname) passes
// through here, so a DMS importer on ext4, NTFS or a Windows share can extract it.

/** Longest name in bytes of UTF-8 that ext4 and NTFS accept (NAME_MAX). */
export const MAX_NAME_BYTES = 255;

// Windows device names, reserved with any extension ("NUL.txt" opens the device).
const RESERVED_NAME = /^(CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³])(\..*)?$/i;
// Characters no Windows file system stores, plus C0/C1 controls, lone surrogates (not encodable as UTF-8) and
// U+FFFE/U+FFFF, which XML 1.0 cannot carry: the Dateiname in the message (xmlText drops them) must name the entry.
// eslint-disable-next-line no-control-regex
const REPLACED = /[/\\:*?"<>|\u0000-\u001f\u007f-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
// Invisible characters that can hide the true extension ("rechnung\u202Efdp.exe"); removed, not replaced.
const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
// An extension worth keeping when a name is shortened: short, no spaces.
const EXTENSION = /\.[^.\s]{1,16}$/;

/**
 * A sender's file name as it may be shown (xdomea DateinameOriginal, a Betreff, the receipt): the invisible
 * direction and zero-width marks removed, so "rechnung\u202Efdp.exe" cannot pass for "rechnungexe.pdf".
 */
export function visibleName(name: string): string {
  return name.replace(INVISIBLE, '');
}

function utf8Length(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

// Cuts by code points (never half a character) until the name fits, keeping a short extension.
function fitBytes(name: string, maxBytes: number): string {
  if (utf8Length(name) <= maxBytes) return name;
  const ext = EXTENSION.exec(name)?.[0] ?? '';
  const keepExt = ext !== '' && utf8Length(ext) <= maxBytes / 2 ? ext : '';
  const budget = maxBytes - utf8Length(keepExt);
  let stem = '';
  let used = 0;
  for (const ch of name.slice(0, name.length - keepExt.length)) {
    const bytes = utf8Length(ch);
    if (used + bytes > budget) break;
    stem += ch;
    used += bytes;
  }
  return stem.replace(/[. ]+$/, '') + keepExt;
}

// Leading dots and spaces together (".. .x" must not leave " .x"), trailing dots and spaces (Windows drops them).
function tidy(name: string): string {
  return name.replace(/^[.\s]+/, '').replace(/[.\s]+$/, '');
}

/**
 * A file name safe on every common file system and in a ZIP: NFC, no path (zip-slip), the characters
 * `/\:*?"<>|` and controls replaced by `_`, invisible direction marks removed, no leading dot, no
 * trailing dot or space, Windows device names prefixed with `_`, at most `maxBytes` bytes of UTF-8
 * (default 255) keeping the extension; never empty; stable when applied twice.
 */
export function safeEntryName(name: string, opts: { maxBytes?: number } = {}): string {
  const maxBytes = opts.maxBytes ?? MAX_NAME_BYTES;
  // NFC so "Größe" from macOS (decomposed) and Windows (composed) give the same bytes.
  const base = name.normalize('NFC').split(/[/\\]/).pop() ?? '';
  let cleaned = tidy(visibleName(base).replace(REPLACED, '_'));
  if (RESERVED_NAME.test(cleaned)) cleaned = `_${cleaned}`;
  let fitted = tidy(fitBytes(cleaned, maxBytes));
  // Shortening can expose a device name again ("CON" + cut); one more prefix-and-fit settles it.
  if (RESERVED_NAME.test(fitted)) fitted = fitBytes(`_${fitted}`, maxBytes);
  return fitted || 'unnamed';
}

/** `<id>_<name>` (the xdomea Dateiname rule: a UUID first) within MAX_NAME_BYTES as a whole. */
export function prefixedEntryName(id: string, originalName: string): string {
  return `${id}_${safeEntryName(originalName, { maxBytes: MAX_NAME_BYTES - utf8Length(id) - 1 })}`;
}
