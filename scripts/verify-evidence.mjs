#!/usr/bin/env node
// Checks a Weiche evidence bundle offline, without the hub (docs/evidence.md):
//
//   node verify-evidence.mjs <bundle.jws> <kid>.pub.pem [more .pub.pem …]
//
// Needs Node ≥ 20 and the `jose` package (npm i jose), nothing else. Give the public evidence keys the hub's
// operator published (<dataDir>/keys/evidence/<kid>.pub.pem); after a key rotation give the old ones too.
// Exit 0: verified; 1: not verified (the reason is printed); 2: usage or unreadable input.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { calculateJwkThumbprint, compactVerify, decodeProtectedHeader, exportJWK, importSPKI } from 'jose';

const [file, ...pemFiles] = process.argv.slice(2);
if (!file || pemFiles.length === 0) {
  console.error('usage: node verify-evidence.mjs <bundle.jws> <kid>.pub.pem [more .pub.pem …]');
  process.exit(2);
}
function fail(why) {
  console.log(`NOT VERIFIED: ${why}`);
  process.exit(1);
}

// the public keys by kid: the RFC 7638 thumbprint of the key, as the hub names its evidence keys
const keys = new Map();
for (const pemFile of pemFiles) {
  // a key that cannot be read is a usage error (2), not a bundle that failed (1)
  let key;
  try {
    key = await importSPKI(readFileSync(pemFile, 'utf8'), 'ES256', { extractable: true });
  } catch (error) {
    console.error(`cannot read the public key ${pemFile} (an ES256 SPKI PEM is expected): ${error.message}`);
    process.exit(2);
  }
  keys.set(await calculateJwkThumbprint(await exportJWK(key)), key);
}

/** Verifies a compact JWS (ES256) of the given typ with one of the keys and returns its JSON payload. */
async function verified(jws, typ) {
  let header;
  try {
    header = decodeProtectedHeader(jws);
  } catch {
    fail(`${typ}: not a compact JWS`);
  }
  if (header.typ !== typ) fail(`typ "${header.typ}" where "${typ}" was expected`);
  const key = keys.get(header.kid);
  if (!key) fail(`${typ} signed by key ${header.kid}, which is not among the public keys given`);
  try {
    const { payload } = await compactVerify(jws, key, { algorithms: ['ES256'] });
    return { kid: header.kid, payload: JSON.parse(new TextDecoder().decode(payload)) };
  } catch (error) {
    fail(`${typ}: the signature does not verify (${error.message})`);
  }
}

// canonical JSON: object keys sorted at every level (as the hub hashes records)
const sorted = (v) =>
  Array.isArray(v) ? v.map(sorted) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])])) : v;
const canonical = (v) => JSON.stringify(sorted(v));
const sha256 = (...parts) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** RFC 9162 §2.1.3.2: is `leaf` at `index` of `size` leaves under `root`, by the audit path `proof`? */
function inTree(leaf, index, size, proof, root) {
  if (!Number.isInteger(index) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let hash = sha256(Buffer.of(0), Buffer.from(leaf, 'utf8'));
  for (const sibling of proof) {
    if (sn === 0) return false;
    const s = Buffer.from(sibling, 'hex');
    if (fn % 2 === 1 || fn === sn) {
      hash = sha256(Buffer.of(1), s, hash);
      while (fn % 2 === 0 && fn !== 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      hash = sha256(Buffer.of(1), hash, s);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && hash.toString('hex') === root;
}

let text;
try {
  text = readFileSync(file, 'utf8').trim();
} catch (error) {
  console.error(`cannot read ${file}: ${error.message}`);
  process.exit(2);
}

// 1. the bundle is what the hub signed
const { kid, payload: bundle } = await verified(text, 'weiche-evidence-bundle');
const { chain, records, anchor } = bundle.audit ?? {};
if (typeof chain !== 'string' || !Array.isArray(records) || records.length === 0) fail('the bundle holds no audit chain');

// 2. every record links to the one before and its hash covers its content
let prev = '0'.repeat(64);
for (const [i, r] of records.entries()) {
  const at = `record #${i + 1}`;
  if (r.chain !== chain || r.chainSeq !== i + 1) fail(`${at} is missing or out of place (found ${r.chain} #${r.chainSeq})`);
  if (r.prevHash !== prev) fail(`${at} does not link to the record before it`);
  const content = { v: 2, chain: r.chain, chainSeq: r.chainSeq, tenantId: r.tenantId, at: r.at, submissionId: r.submissionId, actor: r.actor, stage: r.stage, fromState: r.fromState, toState: r.toState, inputHash: r.inputHash, outputHash: r.outputHash, details: r.details };
  if (sha256(`${r.prevHash}\n${canonical(content)}`).toString('hex') !== r.hash) fail(`${at}: its content does not match its hash`);
  prev = r.hash;
}

// 3. a signed checkpoint sealed the chain's head: the chain reaches it, and it lies under the checkpoint's Merkle root
if (!anchor) fail('no checkpoint anchors this chain yet (ask for the bundle again after the next checkpoint)');
const checkpoint = await verified(anchor.checkpoint.jws, 'weiche-audit-checkpoint');
const [headChain, headSeq, headHash, headAt] = anchor.head;
if (checkpoint.payload.no !== anchor.checkpoint.no) fail('the checkpoint number differs from the signed one');
if (headChain !== chain) fail(`the checkpoint head is of chain ${headChain}, not ${chain}`);
if (records[headSeq - 1]?.hash !== headHash) fail(`record #${headSeq}, which checkpoint ${checkpoint.payload.no} sealed, is not the record in the bundle`);
if (anchor.treeSize !== checkpoint.payload.chains || !inTree(canonical(anchor.head), anchor.leafIndex, anchor.treeSize, anchor.proof, checkpoint.payload.root)) {
  fail(`the head is not under the Merkle root signed in checkpoint ${checkpoint.payload.no}`);
}

// 4. the output hashes the bundle names are those the chain recorded when the packages were made
const mapped = records.filter((r) => r.toState === 'MAPPED').at(-1);
for (const output of bundle.outputs ?? []) {
  if (mapped?.details?.outputs?.[output.target]?.sha256 !== output.sha256) fail(`output ${output.target}: its sha256 is not the one the audit chain recorded`);
}

const unanchored = records.length - headSeq;
console.log(
  [
    `VERIFIED: evidence bundle of submission ${bundle.submission?.submissionId} (${bundle.submission?.state}), issued ${bundle.issuedAt}, signed by evidence key ${kid}`,
    `  ${records.length} audit records of ${chain}: linked, hashes match their content`,
    `  head #${headSeq} (${headAt}) sealed by checkpoint ${checkpoint.payload.no} of ${checkpoint.payload.issuedAt} (key ${checkpoint.kid}); Merkle proof holds`,
    unanchored > 0 ? `  ${unanchored} newer record(s) linked to it but not yet anchored by a checkpoint` : undefined,
    `  ${(bundle.received ?? []).length} received part(s), ${(bundle.decrypted ?? []).length} decrypted part(s), ${(bundle.outputs ?? []).length} output package(s) as recorded`,
    '  not checkable offline: the records\' MACs (they need the hub\'s private evidence key; `weiche audit verify` checks them)',
  ]
    .filter(Boolean)
    .join('\n'),
);
