/** What a blob can be written from: a whole buffer, a Node stream, or any async iterable of bytes. */
export type ByteSource = AsyncIterable<Uint8Array> | NodeJS.ReadableStream | Buffer;

/** Iterates a byte source chunk by chunk; Node readables are async-iterable, so nothing is buffered here. */
export async function* chunksOf(source: ByteSource): AsyncGenerator<Uint8Array> {
  if (Buffer.isBuffer(source)) {
    yield source;
    return;
  }
  for await (const chunk of source as AsyncIterable<Uint8Array | string>) {
    // a readable in string mode (setEncoding) yields strings; blobs are bytes
    yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
  }
}
