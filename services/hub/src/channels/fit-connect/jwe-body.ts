import { ErrorCode } from '@weiche/core';
import { httpProblem } from '../../gateway/problems.js';

// the alphabet of the OpenAPI's CreateAttachment (`^[a-zA-Z0-9-_=.]+$`), plus whitespace: a trailing CRLF
// is common and the decryptor trims it
const OUTSIDE_JWE = /[^A-Za-z0-9\-_=.\s]/;
const CONTENT = /[^\s]/;

function notJwe(what: string): Error {
  return httpProblem(400, ErrorCode.BAD_REQUEST, `the attachment ${what}; it is sent as one compact JWE (application/jose)`);
}

/**
 * An attachment body on its way to the blob store, checked as it streams: one compact JWE (the JWE alphabet,
 * five segments). An empty, binary or multipart body was stored with 204 and refused only after submit
 * (encryption-issue); now it is a 400 at upload, and the blob store discards what it had written.
 */
export async function* compactJweBytes(body: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let dots = 0;
  let content = false;
  for await (const chunk of body) {
    const text = chunk.toString('latin1');
    if (OUTSIDE_JWE.test(text)) throw notJwe('contains bytes outside the JWE alphabet');
    for (let i = text.indexOf('.'); i >= 0; i = text.indexOf('.', i + 1)) dots++;
    content ||= CONTENT.test(text);
    yield chunk;
  }
  if (!content) throw notJwe('is empty');
  if (dots !== 4) throw notJwe(`has ${dots + 1} segments where a compact JWE has 5`);
}
