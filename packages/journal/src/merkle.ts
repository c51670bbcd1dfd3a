import { createHash } from 'node:crypto';

function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);

/**
 * Merkle tree hash of RFC 6962 §2.1 (Certificate Transparency) over the leaves in order, as hex.
 * Computed in one pass with a stack of perfect subtrees, so memory grows with log(n), not n. The same
 * tree gives standard inclusion proofs, which lets an evidence bundle show one chain head of a
 * checkpoint without carrying all the others.
 */
export function merkleRoot(leaves: Iterable<string | Uint8Array>): string {
  const stack: Array<{ size: number; hash: Buffer }> = [];
  for (const leaf of leaves) {
    let node = { size: 1, hash: sha256(LEAF, typeof leaf === 'string' ? Buffer.from(leaf, 'utf8') : leaf) };
    while (stack.length > 0 && stack[stack.length - 1]!.size === node.size) {
      const left = stack.pop()!;
      node = { size: left.size * 2, hash: sha256(NODE, left.hash, node.hash) };
    }
    stack.push(node);
  }
  let root = stack.pop()?.hash;
  if (!root) return sha256().toString('hex');
  // RFC 6962 splits at the largest power of two below n: fold the smaller subtrees in from the right
  for (let left = stack.pop(); left; left = stack.pop()) root = sha256(NODE, left.hash, root);
  return root.toString('hex');
}

/** Largest power of two strictly below n (n ≥ 2): where RFC 6962 splits a tree of n leaves. */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function subtreeRoot(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 1) return leaves[0]!;
  const k = split(leaves.length);
  return sha256(NODE, subtreeRoot(leaves.slice(0, k)), subtreeRoot(leaves.slice(k)));
}

/**
 * Audit path of leaf `index` (RFC 6962 §2.1.1), hex hashes from the leaf's sibling up: with it, one
 * checkpoint head proves to be under the signed root without the other heads.
 */
export function merkleProof(leaves: ReadonlyArray<string | Uint8Array>, index: number): string[] {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) throw new RangeError(`leaf ${index} of ${leaves.length}`);
  const hashed = leaves.map((leaf) => sha256(LEAF, typeof leaf === 'string' ? Buffer.from(leaf, 'utf8') : leaf));
  const path: string[] = [];
  const walk = (nodes: Buffer[], m: number): void => {
    if (nodes.length <= 1) return;
    const k = split(nodes.length);
    if (m < k) {
      walk(nodes.slice(0, k), m);
      path.push(subtreeRoot(nodes.slice(k)).toString('hex'));
    } else {
      walk(nodes.slice(k), m - k);
      path.push(subtreeRoot(nodes.slice(0, k)).toString('hex'));
    }
  };
  walk(hashed, index);
  return path;
}

/** Checks an audit path of merkleProof: true when `leaf` at `index` of `size` leaves lies under `root` (RFC 9162 §2.1.3.2). */
export function verifyMerkleProof(leaf: string | Uint8Array, index: number, size: number, path: readonly string[], root: string): boolean {
  if (!Number.isInteger(index) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let hash = sha256(LEAF, typeof leaf === 'string' ? Buffer.from(leaf, 'utf8') : leaf);
  for (const sibling of path) {
    if (sn === 0) return false;
    const s = Buffer.from(sibling, 'hex');
    if (fn % 2 === 1 || fn === sn) {
      hash = sha256(NODE, s, hash);
      while (fn % 2 === 0 && fn !== 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      hash = sha256(NODE, hash, s);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && hash.toString('hex') === root;
}
