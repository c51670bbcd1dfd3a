/**
 * Incremental base64url decoder: chunk boundaries may fall anywhere, so up to three characters
 * are carried to the next write (four characters always decode to three bytes). A chunk is decoded
 * in place — only the carried quantum is joined — so megabyte chunks are never copied as strings.
 */
export class Base64UrlDecoder {
  #carry = '';

  /** Decodes what can be decoded now, as up to two buffers (no copy to join them); the caller has checked the characters. */
  write(chars: string): Buffer[] {
    const out: Buffer[] = [];
    let start = 0;
    if (this.#carry.length > 0) {
      start = Math.min(4 - this.#carry.length, chars.length);
      const quantum = this.#carry + chars.slice(0, start);
      if (quantum.length < 4) {
        this.#carry = quantum;
        return out;
      }
      out.push(Buffer.from(quantum, 'base64url'));
      this.#carry = '';
    }
    const usable = start + (chars.length - start) - ((chars.length - start) % 4);
    this.#carry = chars.slice(usable);
    if (usable > start) out.push(Buffer.from(start === 0 && usable === chars.length ? chars : chars.slice(start, usable), 'base64url'));
    return out;
  }

  /** Decodes the remainder (1 char left over cannot be valid base64url and yields nothing). */
  end(): Buffer {
    const rest = this.#carry;
    this.#carry = '';
    return Buffer.from(rest, 'base64url');
  }
}
