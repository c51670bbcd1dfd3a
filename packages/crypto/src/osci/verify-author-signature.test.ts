import { createHash, X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { excC14nElement } from './exc-c14n.js';
import { createTestIdentity, signXml } from './test-support.js';
import type { TestIdentity } from './test-support.js';
import { verifyAuthorSignature } from './verify-author-signature.js';
import { descendants, parseXml } from '@weiche/xml';

const CONTAINER =
  '<osci:ContentContainer xmlns:osci="http://www.osci.de/2002/04/osci" xmlns:xbau="http://www.xleitstelle.de/xbau/2/6">\n' +
  '  <osci:Content Id="content1"><xbau:antrag><xbau:name>Erika Mustermann</xbau:name></xbau:antrag></osci:Content>\n' +
  '</osci:ContentContainer>';

describe('verifyAuthorSignature', () => {
  let author: TestIdentity;
  let ca: TestIdentity;
  let issuedAuthor: TestIdentity;
  beforeAll(async () => {
    [author, ca] = await Promise.all([createTestIdentity({ commonName: 'Autor' }), createTestIdentity({ commonName: 'Test-CA', ca: true })]);
    issuedAuthor = await createTestIdentity({ commonName: 'Autor mit CA', issuer: ca });
  });

  it('reports an absent signature', () => {
    expect(verifyAuthorSignature(CONTAINER)).toEqual({ present: false, valid: false });
  });

  it('verifies a signature over a Content by Id and names the signer', () => {
    const signed = signXml({ xml: CONTAINER, signer: author, referenceId: 'content1' });
    const r = verifyAuthorSignature(signed);
    expect(r).toMatchObject({ present: true, valid: true, references: ['#content1'] });
    expect(r.signer?.subject).toBe('CN=Autor, O=Weiche Test, C=DE');
    expect(r.signer?.certificateSha256).toBe(createHash('sha256').update(new X509Certificate(author.certificatePem).raw).digest('hex'));
  });

  it('verifies an enveloped signature over the whole document, also as a Buffer', () => {
    const signed = signXml({ xml: CONTAINER, signer: author });
    expect(verifyAuthorSignature(Buffer.from(signed))).toMatchObject({ present: true, valid: true, references: [''] });
  });

  it('stays valid when the namespace prefix context changes but not the canonical form', () => {
    const signed = signXml({ xml: CONTAINER, signer: author, referenceId: 'content1' });
    // an unused declaration on the container does not touch the exclusive canonical form of the Content
    const moved = signed.replace('<osci:ContentContainer ', '<osci:ContentContainer xmlns:unused="urn:unused" ');
    expect(verifyAuthorSignature(moved).valid).toBe(true);
  });

  it('detects tampered content', () => {
    const signed = signXml({ xml: CONTAINER, signer: author, referenceId: 'content1' });
    const r = verifyAuthorSignature(signed.replace('Erika', 'Erica'));
    expect(r).toMatchObject({ present: true, valid: false, reason: 'digest-mismatch' });
  });

  it('detects a SignedInfo changed to match changed content, and a flipped SignatureValue', () => {
    const signed = signXml({ xml: CONTAINER, signer: author, referenceId: 'content1' });
    const changed = signed.replace('Erika', 'Erica');
    const content = descendants(parseXml(changed).root, 'http://www.osci.de/2002/04/osci', 'Content')[0];
    if (!content) throw new Error('Content missing');
    const oldDigest = /<ds:DigestValue>([^<]+)</.exec(signed)?.[1] ?? '';
    const newDigest = createHash('sha256').update(excC14nElement(content)).digest('base64');
    expect(verifyAuthorSignature(changed.replace(oldDigest, newDigest))).toMatchObject({ present: true, valid: false, reason: 'signature-mismatch' });
    const sigValue = /<ds:SignatureValue>([^<]+)</.exec(signed)?.[1] ?? '';
    const flipped = Buffer.from(sigValue, 'base64');
    flipped[10] = (flipped[10] ?? 0) ^ 1;
    expect(verifyAuthorSignature(signed.replace(sigValue, flipped.toString('base64')))).toMatchObject({ valid: false, reason: 'signature-mismatch' });
  });

  it('refuses a duplicated Id (signature wrapping)', () => {
    const signed = signXml({ xml: CONTAINER, signer: author, referenceId: 'content1' });
    const wrapped = signed.replace('</osci:ContentContainer>', '<osci:Content Id="content1">evil</osci:Content></osci:ContentContainer>');
    expect(verifyAuthorSignature(wrapped)).toMatchObject({ valid: false, reason: 'ambiguous-reference' });
  });

  it('refuses other signature algorithms', () => {
    const signed = signXml({ xml: CONTAINER, signer: author, referenceId: 'content1' });
    const pkcs1 = signed.replace('http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1', 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    expect(verifyAuthorSignature(pkcs1)).toMatchObject({ present: true, valid: false, reason: 'unsupported-algorithm' });
  });

  it('checks the signer against trusted certificates (directly or as issuer)', () => {
    const signed = signXml({ xml: CONTAINER, signer: author, referenceId: 'content1' });
    expect(verifyAuthorSignature(signed, { trustedCertificates: [author.certificatePem] }).valid).toBe(true);
    expect(verifyAuthorSignature(signed, { trustedCertificates: [ca.certificatePem] })).toMatchObject({ valid: false, reason: 'untrusted-signer' });
    const byCa = signXml({ xml: CONTAINER, signer: issuedAuthor, referenceId: 'content1' });
    expect(verifyAuthorSignature(byCa, { trustedCertificates: [ca.certificatePem] }).valid).toBe(true);
  });

  it('reports malformed XML (and DTDs) without throwing', () => {
    expect(verifyAuthorSignature('<!DOCTYPE r><r/>')).toEqual({ present: false, valid: false, reason: 'malformed' });
  });
});
