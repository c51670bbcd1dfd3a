import { constants, createHash, verify, X509Certificate } from 'node:crypto';
import { excC14nDocument, excC14nElement } from './exc-c14n.js';
import type { ExcC14nOptions } from './exc-c14n.js';
import { ALG, NS } from './xml-namespaces.js';
import { attr, childElement, childElements, descendants, parseXml, textContent } from '@weiche/xml';
import type { XmlDocument, XmlElement } from '@weiche/xml';
import { decodeBase64 } from './x509-match.js';

/** Why an author signature is not valid (recorded in the audit log). */
export type AuthorSignatureFailure =
  | 'malformed'
  | 'unsupported-algorithm'
  | 'unsupported-transform'
  | 'unsupported-reference'
  | 'reference-not-found'
  | 'ambiguous-reference'
  | 'digest-mismatch'
  | 'signature-mismatch'
  | 'no-certificate'
  | 'untrusted-signer';

/** Outcome of verifyAuthorSignature; `present: false` means the document carries no ds:Signature. */
export type AuthorSignatureResult = {
  readonly present: boolean;
  readonly valid: boolean;
  /** The certificate that verified the signature (of the first ds:Signature when there are several). */
  readonly signer?: { readonly subject: string; readonly certificateSha256: string };
  /** The Reference URIs that were covered, so the audit shows what the author signed. */
  readonly references?: readonly string[];
  readonly reason?: AuthorSignatureFailure;
};

class SignatureFailure extends Error {
  constructor(readonly reason: AuthorSignatureFailure, detail: string) {
    super(detail);
  }
}

const DIGESTS: Record<string, string> = { [ALG.sha256]: 'sha256', [ALG.sha384]: 'sha384', [ALG.sha512]: 'sha512' };
const ID_ATTRIBUTES = ['Id', 'ID', 'id'];
const WSU_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';

function c14nOptions(transformOrMethod: XmlElement): Pick<ExcC14nOptions, 'inclusivePrefixes'> {
  const inclusive = childElement(transformOrMethod, NS.excC14n, 'InclusiveNamespaces');
  const list = inclusive ? attr(inclusive, 'PrefixList') : undefined;
  return list === undefined ? {} : { inclusivePrefixes: list.split(/\s+/).filter((p) => p !== '') };
}

function elementsWithId(root: XmlElement, id: string): XmlElement[] {
  const out: XmlElement[] = [];
  const stack: XmlElement[] = [root];
  while (stack.length > 0) {
    const e = stack.pop();
    if (!e) break;
    if (e.attributes.some((a) => (a.namespaceUri === '' ? ID_ATTRIBUTES.includes(a.localName) : a.namespaceUri === WSU_NS && a.localName === 'Id') && a.value === id)) {
      out.push(e);
    }
    for (const c of e.children) if (c.kind === 'element') stack.push(c);
  }
  return out;
}

/** Digests one ds:Reference: same-document URI, enveloped-signature and exclusive c14n only (xmldsig §4.3.3). */
function checkReference(doc: XmlDocument, signature: XmlElement, reference: XmlElement): string {
  const uri = attr(reference, 'URI') ?? '';
  let target: XmlElement | undefined;
  if (uri !== '') {
    if (!uri.startsWith('#') || uri.startsWith('#xpointer(')) throw new SignatureFailure('unsupported-reference', 'only "" and "#id" references');
    const found = elementsWithId(doc.root, uri.slice(1));
    // a duplicated Id would let an attacker move the signed element (signature wrapping)
    if (found.length > 1) throw new SignatureFailure('ambiguous-reference', 'Id occurs more than once');
    target = found[0];
    if (!target) throw new SignatureFailure('reference-not-found', 'referenced Id not found');
  }
  const transforms = childElement(reference, NS.ds, 'Transforms');
  const exclude = new Set<XmlElement>();
  let c14n: Pick<ExcC14nOptions, 'inclusivePrefixes'> | undefined;
  for (const t of transforms ? childElements(transforms, NS.ds, 'Transform') : []) {
    const algorithm = attr(t, 'Algorithm');
    if (c14n) throw new SignatureFailure('unsupported-transform', 'exclusive c14n must be the last transform');
    if (algorithm === ALG.envelopedSignature) exclude.add(signature);
    else if (algorithm === ALG.excC14n) c14n = c14nOptions(t);
    else throw new SignatureFailure('unsupported-transform', 'only enveloped-signature and exclusive c14n are supported');
  }
  // without an explicit c14n the node-set would go through inclusive c14n 1.0 (xmldsig §4.3.3.2), which we do not implement
  if (!c14n) throw new SignatureFailure('unsupported-transform', 'reference does not end in exclusive c14n');
  const bytes = target ? excC14nElement(target, { ...c14n, exclude }) : excC14nDocument(doc, { ...c14n, exclude });
  const digestMethod = childElement(reference, NS.ds, 'DigestMethod');
  const hash = DIGESTS[(digestMethod && attr(digestMethod, 'Algorithm')) ?? ''];
  if (!hash) throw new SignatureFailure('unsupported-algorithm', 'reference digest must be SHA-256/384/512');
  const digestValue = childElement(reference, NS.ds, 'DigestValue');
  const expected = digestValue ? decodeBase64(textContent(digestValue)) : undefined;
  if (!expected) throw new SignatureFailure('malformed', 'reference without a base64 DigestValue');
  if (!createHash(hash).update(bytes).digest().equals(expected)) throw new SignatureFailure('digest-mismatch', 'signed content changed');
  return uri;
}

function saltLength(method: XmlElement): number {
  // RFC 6931 §2.3.10: SaltLength defaults to the hash length (32 for SHA-256)
  const params = childElement(method, NS.dsigMore, 'RSAPSSParams');
  const salt = params ? childElement(params, NS.dsigMore, 'SaltLength') : undefined;
  if (!salt) return 32;
  const n = Number(textContent(salt).trim());
  if (!Number.isInteger(n) || n < 0 || n > 512) throw new SignatureFailure('malformed', 'bad RSAPSSParams/SaltLength');
  return n;
}

function trusted(signer: X509Certificate, trustedPems: readonly string[]): boolean {
  return trustedPems.some((pem) => {
    const anchor = new X509Certificate(pem);
    return anchor.raw.equals(signer.raw) || (signer.checkIssued(anchor) && signer.verify(anchor.publicKey));
  });
}

function subjectOf(cert: X509Certificate): string {
  // node lists RDNs one per line, least specific first; RFC 4514 order is the reverse
  return cert.subject.split('\n').reverse().join(', ');
}

type OneResult = { signer?: AuthorSignatureResult['signer']; references: string[] };

function verifyOne(doc: XmlDocument, signature: XmlElement, trustedPems: readonly string[] | undefined): OneResult {
  const signedInfo = childElement(signature, NS.ds, 'SignedInfo');
  const signatureValue = childElement(signature, NS.ds, 'SignatureValue');
  const sigBytes = signatureValue ? decodeBase64(textContent(signatureValue)) : undefined;
  if (!signedInfo || !sigBytes) throw new SignatureFailure('malformed', 'ds:Signature without SignedInfo or SignatureValue');
  const c14nMethod = childElement(signedInfo, NS.ds, 'CanonicalizationMethod');
  if (!c14nMethod || attr(c14nMethod, 'Algorithm') !== ALG.excC14n) {
    throw new SignatureFailure('unsupported-transform', 'SignedInfo must use exclusive c14n');
  }
  const method = childElement(signedInfo, NS.ds, 'SignatureMethod');
  if (!method || attr(method, 'Algorithm') !== ALG.sha256RsaMgf1) {
    throw new SignatureFailure('unsupported-algorithm', 'signature method must be RSA-PSS with SHA-256 (sha256-rsa-MGF1)');
  }
  const salt = saltLength(method);
  const references = childElements(signedInfo, NS.ds, 'Reference');
  if (references.length === 0) throw new SignatureFailure('malformed', 'SignedInfo without Reference');
  const uris = references.map((r) => checkReference(doc, signature, r));
  const keyInfo = childElement(signature, NS.ds, 'KeyInfo');
  const certs: X509Certificate[] = [];
  for (const data of keyInfo ? childElements(keyInfo, NS.ds, 'X509Data') : []) {
    for (const c of childElements(data, NS.ds, 'X509Certificate')) {
      const der = decodeBase64(textContent(c));
      try {
        if (der) certs.push(new X509Certificate(der));
      } catch {
        // an unreadable certificate cannot be the signer; the others are still tried
      }
    }
  }
  if (certs.length === 0) throw new SignatureFailure('no-certificate', 'ds:KeyInfo holds no X509Certificate');
  const signedBytes = excC14nElement(signedInfo, c14nOptions(c14nMethod));
  const signer = certs.find((cert) => {
    try {
      return verify('sha256', signedBytes, { key: cert.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: salt }, sigBytes);
    } catch {
      return false; // not an RSA key, or a signature of the wrong size
    }
  });
  if (!signer) throw new SignatureFailure('signature-mismatch', 'SignatureValue does not verify');
  const info = { subject: subjectOf(signer), certificateSha256: createHash('sha256').update(signer.raw).digest('hex') };
  if (trustedPems && !trusted(signer, trustedPems)) {
    throw Object.assign(new SignatureFailure('untrusted-signer', 'signer is not a trusted certificate'), { signer: info });
  }
  return { signer: info, references: uris };
}

/**
 * Verifies every `ds:Signature` in a document (RSA-PSS SHA-256, exclusive c14n, same-document references).
 * Without `trustedCertificates`, `valid` means only that the embedded certificate's key signed the content.
 */
export function verifyAuthorSignature(
  xml: string | Buffer,
  opts: { trustedCertificates?: readonly string[] } = {},
): AuthorSignatureResult {
  let doc: XmlDocument;
  try {
    doc = parseXml(xml);
  } catch {
    return { present: false, valid: false, reason: 'malformed' };
  }
  const signatures = descendants(doc.root, NS.ds, 'Signature');
  if (signatures.length === 0) return { present: false, valid: false };
  let first: OneResult | undefined;
  const references: string[] = [];
  for (const signature of signatures) {
    try {
      const one = verifyOne(doc, signature, opts.trustedCertificates);
      first ??= one;
      references.push(...one.references);
    } catch (e) {
      if (!(e instanceof SignatureFailure)) throw e;
      const signer = (e as SignatureFailure & { signer?: AuthorSignatureResult['signer'] }).signer ?? first?.signer;
      return { present: true, valid: false, reason: e.reason, ...(signer ? { signer } : {}) };
    }
  }
  return { present: true, valid: true, references, ...(first?.signer ? { signer: first.signer } : {}) };
}
