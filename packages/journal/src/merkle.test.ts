import { describe, expect, it } from 'vitest';
import { merkleProof, merkleRoot, verifyMerkleProof } from './merkle.js';

// Test vectors of Certificate Transparency's reference implementation (RFC 6962 tree hash).
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((h) => Buffer.from(h, 'hex'));
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

describe('merkleRoot (RFC 6962)', () => {
  it('matches the reference roots for 1..8 leaves and hashes the empty tree', () => {
    for (let n = 1; n <= LEAVES.length; n++) expect(merkleRoot(LEAVES.slice(0, n)), `${n} leaves`).toBe(ROOTS[n - 1]);
    expect(merkleRoot([])).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('changes with any leaf and with the order', () => {
    const leaves = ['a', 'b', 'c', 'd', 'e'];
    const root = merkleRoot(leaves);
    expect(merkleRoot(['a', 'b', 'c', 'd', 'f'])).not.toBe(root);
    expect(merkleRoot(['b', 'a', 'c', 'd', 'e'])).not.toBe(root);
    expect(merkleRoot(leaves.slice(0, 4))).not.toBe(root);
  });
});

describe('merkleProof / verifyMerkleProof', () => {
  it('proves every leaf of trees of 1..17 leaves, and nothing else', () => {
    for (let n = 1; n <= 17; n++) {
      const leaves = Array.from({ length: n }, (_, i) => `["submission:${i}",${i + 1},"${'a'.repeat(64)}","2026-01-01T00:00:00.000Z"]`);
      const root = merkleRoot(leaves);
      for (let i = 0; i < n; i++) {
        const path = merkleProof(leaves, i);
        expect(path.length).toBeLessThanOrEqual(Math.ceil(Math.log2(n)));
        expect(verifyMerkleProof(leaves[i]!, i, n, path, root), `${i} of ${n}`).toBe(true);
        expect(verifyMerkleProof(`${leaves[i]!} `, i, n, path, root)).toBe(false);
        if (n > 1) expect(verifyMerkleProof(leaves[i]!, (i + 1) % n, n, path, root)).toBe(false);
      }
    }
  });

  it('matches the reference audit path of leaf 0 among 8 (RFC 6962 test data)', () => {
    const path = merkleProof(LEAVES, 0);
    expect(path[0]).toBe('96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7');
    expect(verifyMerkleProof(LEAVES[0]!, 0, 8, path, ROOTS[7]!)).toBe(true);
  });
});
