// The one MIME type ↔ file extension table of the repository: the mime-types database (mime-db,
// built from IANA, Apache and nginx), not a hand-kept list.
import mime from 'mime-types';

/** The bare, lower-case MIME type (`Application/PDF; charset=x` → `application/pdf`). */
export function normalizeMimeType(mimeType: string): string {
  return mimeType.split(';')[0]?.trim().toLowerCase() ?? '';
}

// mime-db's first extension is not always the one people use (image/jpeg → "jpeg").
const PREFERRED: Readonly<Record<string, string>> = { 'image/jpeg': 'jpg', 'image/tiff': 'tif', 'text/plain': 'txt' };

/** File extension for a MIME type (parameters ignored); `+json`/`+xml` suffix types → json/xml; `bin` when unknown. */
export function extensionFor(mimeType: string): string {
  const bare = normalizeMimeType(mimeType);
  const known = PREFERRED[bare] ?? mime.extension(bare);
  if (known) return known;
  if (bare.endsWith('+json')) return 'json';
  if (bare.endsWith('+xml')) return 'xml';
  return 'bin';
}

/** MIME type for a file name or extension; `application/octet-stream` when unknown. */
export function mimeTypeFor(fileName: string): string {
  return mime.lookup(fileName) || 'application/octet-stream';
}
