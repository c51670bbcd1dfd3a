/**
 * Incremental base64url decoder: chunk boundaries may fall anywhere, so up to three characters
 * are carried to the next write (four characters always decode to three bytes).
 */
export class Base64UrlDecoder {
  #carry = '';

  /** Decodes what can be decoded now; the caller has checked the characters. */
  write(chars: string): Buffer {
    const all = this.#carry + chars;
    const usable = all.length - (all.length % 4);
    this.#carry = all.slice(usable);
    return usable === 0 ? Buffer.alloc(0) : Buffer.from(all.slice(0, usable), 'base64url');
  }

  /** Decodes the remainder (1 char left over cannot be valid base64url and yields nothing). */
  end(): Buffer {
    const rest = this.#carry;
    this.#carry = '';
    return Buffer.from(rest, 'base64url');
  }
}
