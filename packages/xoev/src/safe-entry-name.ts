/** Longest entry name kept (bytes matter for some DMS importers; 200 chars leaves room for a UUID prefix). */
const MAX_LENGTH = 200;

// Cuts by code points (never half a surrogate pair) and keeps a short extension, so the DMS still
// recognises the file type; stable under repeated application.
function truncateKeepingExtension(name: string): string {
  const chars = [...name];
  if (chars.length <= MAX_LENGTH) return name;
  const ext = /\.[^.]{1,10}$/.exec(name)?.[0] ?? '';
  const extLength = [...ext].length;
  return chars.slice(0, MAX_LENGTH - extLength).join('').replace(/[. ]+$/, '') + ext;
}

/** A safe ZIP entry name: strips paths (zip-slip), control chars, keeps umlauts. */
export function safeEntryName(name: string): string {
  // NFC so "Größe" from macOS (decomposed) and Windows (composed) give the same bytes.
  const normalized = name.normalize('NFC');
  // Both separators: a Windows sender's "C:\\Users\\x\\plan.pdf" must not keep its path either.
  const base = normalized.split(/[/\\]/).pop() ?? '';
  const cleaned = base
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, '')
    .replace(/[<>:"|?*]/g, '_')
    .trim()
    .replace(/^\.+/, '')
    .replace(/[. ]+$/, '');
  return truncateKeepingExtension(cleaned) || 'unnamed';
}
