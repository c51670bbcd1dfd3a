import { deserialize, serialize } from 'node:v8';

/**
 * The object view of a large XML document, handed from a worker thread to the event loop in pieces.
 *
 * A message between threads is deserialized in one synchronous step when it arrives: the view of a 6 MiB XBau
 * message (~200,000 nodes) held the receiving event loop for 0.15–0.3 s, longer than parsing's other costs there.
 * So the worker sends a skeleton (the view with its long arrays left as placeholders) and the arrays' elements
 * as serialized slices of a few thousand nodes; the receiver deserializes one slice per turn of its loop.
 */
export interface CarvedView {
  readonly skeleton: unknown;
  /** v8-serialized slices ({@link Slice}), in the order they are to be put back. */
  readonly pieces: readonly Uint8Array[];
}

/** Elements `at`, `at + 1`, … of the array found at `path` in the skeleton. */
interface Slice {
  readonly path: ReadonlyArray<string | number>;
  readonly at: number;
  readonly items: unknown[];
}

/** Nodes per piece: a few milliseconds of deserialization on a loaded machine. */
export const NODES_PER_PIECE = 4096;

/** Nodes in a subtree, counted up to `cap` + 1 (enough to know it is too large). */
function nodeCount(node: unknown, cap: number): number {
  if (node === null || typeof node !== 'object') return 1;
  let n = 1;
  for (const child of Array.isArray(node) ? node : Object.values(node)) {
    n += nodeCount(child, cap - n);
    if (n > cap) return n;
  }
  return n;
}

function carve(node: unknown, path: Array<string | number>, slices: Slice[], cap: number): unknown {
  if (node === null || typeof node !== 'object' || nodeCount(node, cap) <= cap) return node;
  if (!Array.isArray(node)) {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, carve(value, [...path, key], slices, cap)]));
  }
  // runs of small elements become slices; a large element stays in the skeleton, carved in turn
  const skeleton: unknown[] = [];
  let run: Slice | undefined;
  let runNodes = 0;
  node.forEach((element: unknown, i) => {
    const n = nodeCount(element, cap);
    if (n > cap) {
      run = undefined;
      skeleton.push(carve(element, [...path, i], slices, cap));
      return;
    }
    if (!run || runNodes + n > cap) {
      run = { path, at: i, items: [] };
      runNodes = 0;
      slices.push(run);
    }
    run.items.push(element);
    runNodes += n;
    skeleton.push(undefined);
  });
  return skeleton;
}

/** Splits a view for the trip to another thread (worker side); a small view travels whole, with no pieces. */
export function carveView(view: unknown, cap: number = NODES_PER_PIECE): CarvedView {
  const slices: Slice[] = [];
  const skeleton = carve(view, [], slices, cap);
  return { skeleton, pieces: slices.map((s) => serialize(s)) };
}

/** Puts a carved view together again (receiving side), one piece per turn of the event loop. */
export async function assembleView(carved: CarvedView): Promise<unknown> {
  for (const piece of carved.pieces) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const slice = deserialize(piece) as Slice;
    let target: unknown = carved.skeleton;
    for (const key of slice.path) target = (target as Record<string | number, unknown>)[key];
    const array = target as unknown[];
    slice.items.forEach((item, i) => (array[slice.at + i] = item));
  }
  return carved.skeleton;
}
