// Character repertoires XBau 2.6 imposes on text: DIN 91379 "datatypeC" (names, addresses) and
// the kernmodul `Dateiname` pattern (xbau-kernmodul-basisdatentypen.xsd).
import { ampersandsEscaped } from './xml-ampersand.js';

// Single code points of DIN 91379 datatypeC (din-91379-datatypes.xsd). The combining sequences the
// norm also allows are covered by NFC first; whatever remains outside the list becomes '?'. This is
// a subset of the norm (some rare Latin letters are replaced too), never a superset.
const DATATYPE_C_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x20, 0x7e], [0xa0, 0xac], [0xae, 0x17e], [0x187, 0x188], [0x18f, 0x18f], [0x197, 0x197], [0x1a0, 0x1a1],
  [0x1af, 0x1b0], [0x1b7, 0x1b7], [0x1cd, 0x1dc], [0x1de, 0x1df], [0x1e2, 0x1f0], [0x1f4, 0x1f5], [0x1f8, 0x1ff],
  [0x212, 0x213], [0x218, 0x21b], [0x21e, 0x21f], [0x227, 0x233], [0x259, 0x259], [0x268, 0x268], [0x292, 0x292],
  [0x2b9, 0x2ba], [0x2be, 0x2bf], [0x2c8, 0x2c8], [0x2cc, 0x2cc], [0x1e9e, 0x1e9e], [0x1ea0, 0x1ef9],
  [0x2019, 0x2019], [0x2021, 0x2021], [0x20ac, 0x20ac],
];

function inDatatypeC(cp: number): boolean {
  return DATATYPE_C_RANGES.some(([lo, hi]) => cp >= lo && cp <= hi);
}

/**
 * Text fit for a DIN 91379 datatypeC element: NFC, line breaks/tabs → space, other characters outside the norm → '?';
 * with `&` escaped for xmlbuilder2 (xml-ampersand.ts), so the result goes to `.txt()`/`.att()` only.
 */
export function din91379Text(value: string): string {
  let out = '';
  for (const ch of value.normalize('NFC').replace(/[\t\r\n]+/g, ' ')) {
    const cp = ch.codePointAt(0) ?? 0;
    out += inDatatypeC(cp) ? ch : '?';
  }
  return ampersandsEscaped(out.trim());
}

const DATEINAME_CHAR = /[-a-zA-Z0-9ÄÖÜäöüß _!=+~,;.#°§$%()[\]]/;

/** A file name matching the XBau kernmodul `Dateiname` pattern (`[…]+\.[a-zA-Z0-9]+`): unknown characters → '_', an extension guaranteed. */
export function xbauDateiname(name: string, fallbackExtension = 'bin'): string {
  const chars = [...name.normalize('NFC')].map((c) => (DATEINAME_CHAR.test(c) ? c : '_')).join('');
  const m = /^(.*[^.])\.([a-zA-Z0-9]+)$/.exec(chars);
  if (m?.[1] && m[2]) return `${m[1]}.${m[2]}`;
  const stem = chars.replace(/\.+$/, '') || 'datei';
  return `${stem}.${fallbackExtension.replace(/[^a-zA-Z0-9]/g, '') || 'bin'}`;
}
