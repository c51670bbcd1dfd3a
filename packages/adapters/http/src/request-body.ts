import type { DeliveryPackage } from '@weiche/adapter-sdk';

/** A request body that can be streamed twice (once for the signature, once on the wire) and knows its length. */
export interface RequestBody {
  readonly contentType: string;
  readonly length: number;
  open(): Promise<NodeJS.ReadableStream>;
  /** Releases what building the body took (a spooled temp file). */
  close(): Promise<void>;
}

/** The package itself as the body (`mode: zip`). */
export function zipBody(pkg: DeliveryPackage): RequestBody {
  return {
    contentType: pkg.mimeType,
    length: pkg.size,
    open: () => pkg.open(),
    close: () => Promise.resolve(),
  };
}
