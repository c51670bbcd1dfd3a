/**
 * Building blocks for tests: OSCI-shaped certificates, PKCS#12 keystores, EncryptedData and author
 * signatures, written with node:crypto and node-forge (not with the decryption code under test).
 */
import { constants, createCipheriv, createHash, generateKeyPair, publicEncrypt, randomBytes, sign, X509Certificate } from 'node:crypto';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import type * as Forge from 'node-forge';
import { excC14nDocument, excC14nElement } from './exc-c14n.js';
import { ALG, NS } from './xml-namespaces.js';
import { parseXml } from '@weiche/xml';
import type { XmlElement } from '@weiche/xml';

const forge = createRequire(import.meta.url)('node-forge') as typeof Forge;
const generateKeyPairAsync = promisify(generateKeyPair);

/** A test key pair with its certificate (PEM). */
export type TestIdentity = { readonly privateKeyPem: string; readonly certificatePem: string };

/** Creates an RSA key and a certificate with a subject key identifier; self-signed unless an issuer is given. */
export async function createTestIdentity(opts: {
  commonName: string;
  organization?: string;
  issuer?: TestIdentity;
  ca?: boolean;
  bits?: number;
}): Promise<TestIdentity> {
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', {
    modulusLength: opts.bits ?? 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = '01' + forge.util.bytesToHex(forge.random.getBytesSync(9));
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  const subject = [
    { shortName: 'C', value: 'DE' },
    { shortName: 'O', value: opts.organization ?? 'Weiche Test' },
    { shortName: 'CN', value: opts.commonName },
  ];
  cert.setSubject(subject);
  const issuerCert = opts.issuer ? forge.pki.certificateFromPem(opts.issuer.certificatePem) : undefined;
  cert.setIssuer(issuerCert ? issuerCert.subject.attributes : subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: opts.ca ?? false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: opts.ca ?? false },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(opts.issuer?.privateKeyPem ?? privateKey), forge.md.sha256.create());
  return { privateKeyPem: privateKey, certificatePem: forge.pki.certificateToPem(cert) };
}

/** Builds a PKCS#12 holding every identity as its own shrouded key bag plus certificate (AES-256, SHA-1 MAC). */
export function buildPkcs12(opts: { identities: readonly TestIdentity[]; password: string }): Buffer {
  const { asn1 } = forge;
  const contentInfos: Forge.asn1.Asn1[] = [];
  for (const id of opts.identities) {
    const pfx = forge.pkcs12.toPkcs12Asn1(
      forge.pki.privateKeyFromPem(id.privateKeyPem),
      forge.pki.certificateFromPem(id.certificatePem),
      opts.password,
      { algorithm: 'aes256', useMac: false, generateLocalKeyId: true },
    );
    // PFX ::= SEQUENCE { version, authSafe ContentInfo { data, [0] OCTET STRING (AuthenticatedSafe) }, macData } (RFC 7292 §4)
    const authSafe = (pfx.value as Forge.asn1.Asn1[])[1];
    const explicit = (authSafe?.value as Forge.asn1.Asn1[] | undefined)?.[1];
    const octets = (explicit?.value as Forge.asn1.Asn1[] | undefined)?.[0];
    const safe = asn1.fromDer(String(octets?.value));
    contentInfos.push(...(safe.value as Forge.asn1.Asn1[]));
  }
  const safe = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, contentInfos);
  const safeDer = asn1.toDer(safe).getBytes();
  const macSalt = forge.random.getBytesSync(8);
  const iterations = 2048;
  // RFC 7292 Appendix B: MAC key derived with ID 3, HMAC-SHA-1 over the AuthenticatedSafe
  const macKey = forge.pkcs12.generateKey(opts.password, forge.util.createBuffer(macSalt), 3, iterations, 20);
  const hmac = forge.hmac.create();
  hmac.start('sha1', macKey.getBytes());
  hmac.update(safeDer);
  const macData = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(forge.pki.oids.sha1 ?? '1.3.14.3.2.26').getBytes()),
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, ''),
      ]),
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, hmac.digest().getBytes()),
    ]),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, macSalt),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(iterations).getBytes()),
  ]);
  const pfx = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(3).getBytes()),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(forge.pki.oids.data ?? '1.2.840.113549.1.7.1').getBytes()),
      asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, safeDer)]),
    ]),
    macData,
  ]);
  return Buffer.from(asn1.toDer(pfx).getBytes(), 'binary');
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
}

/** How an EncryptedKey names its reader certificate in ds:X509Data. */
export type TestRecipient = { readonly certificatePem: string; readonly identifyBy?: 'certificate' | 'issuer-serial' | 'ski' };

function x509Data(recipient: TestRecipient): string {
  const cert = new X509Certificate(recipient.certificatePem);
  switch (recipient.identifyBy ?? 'certificate') {
    case 'certificate':
      return `<ds:X509Certificate>${cert.raw.toString('base64')}</ds:X509Certificate>`;
    case 'issuer-serial': {
      // written as senders do: RFC 4514 order with ", " separators
      const issuer = cert.issuer.split('\n').reverse().join(', ');
      const serial = BigInt(`0x${cert.serialNumber}`).toString(10);
      return `<ds:X509IssuerSerial><ds:X509IssuerName>${esc(issuer)}</ds:X509IssuerName><ds:X509SerialNumber>${serial}</ds:X509SerialNumber></ds:X509IssuerSerial>`;
    }
    case 'ski': {
      const ext = forge.pki.certificateFromPem(recipient.certificatePem).getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | null;
      return `<ds:X509SKI>${Buffer.from(ext?.subjectKeyIdentifier ?? '', 'hex').toString('base64')}</ds:X509SKI>`;
    }
  }
}

/** Key transport variants; 'rsa-oaep-sha256-mgf1sha1' is deliberately inconsistent (for refusal tests). */
export type TestKeyTransport = 'rsa-oaep-sha256' | 'rsa-oaep-mgf1p' | 'rsa-oaep-sha256-mgf1sha1';

function keyTransportMethod(kt: TestKeyTransport): string {
  switch (kt) {
    case 'rsa-oaep-sha256':
      return `<xenc:EncryptionMethod Algorithm="${ALG.rsaOaep}"><ds:DigestMethod Algorithm="${ALG.sha256}"/><xenc11:MGF Algorithm="${ALG.mgf1Sha256}"/></xenc:EncryptionMethod>`;
    case 'rsa-oaep-mgf1p':
      return `<xenc:EncryptionMethod Algorithm="${ALG.rsaOaepMgf1p}"><ds:DigestMethod Algorithm="${ALG.sha1}"/></xenc:EncryptionMethod>`;
    case 'rsa-oaep-sha256-mgf1sha1':
      return `<xenc:EncryptionMethod Algorithm="${ALG.rsaOaep}"><ds:DigestMethod Algorithm="${ALG.sha256}"/><xenc11:MGF Algorithm="${ALG.mgf1Sha1}"/></xenc:EncryptionMethod>`;
  }
}

/** Encrypts plaintext into an OSCI-shaped xenc:EncryptedData with one EncryptedKey per recipient. */
export function buildEncryptedData(opts: {
  plaintext: Buffer;
  recipients: readonly TestRecipient[];
  content?: 'aes256-gcm' | 'aes256-cbc';
  keyTransport?: TestKeyTransport;
  mimeType?: string;
}): { xml: string; cipherValue: Buffer } {
  const key = randomBytes(32);
  const content = opts.content ?? 'aes256-gcm';
  let cipherValue: Buffer;
  if (content === 'aes256-gcm') {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', key, iv);
    cipherValue = Buffer.concat([iv, c.update(opts.plaintext), c.final(), c.getAuthTag()]);
  } else {
    // PKCS#7 padding is one of the paddings XML Enc §5.2 allows (only the last byte is checked)
    const iv = randomBytes(16);
    const c = createCipheriv('aes-256-cbc', key, iv);
    cipherValue = Buffer.concat([iv, c.update(opts.plaintext), c.final()]);
  }
  const kt = opts.keyTransport ?? 'rsa-oaep-sha256';
  const keys = opts.recipients.map((r) => {
    const wrapped = publicEncrypt(
      { key: r.certificatePem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: kt === 'rsa-oaep-mgf1p' ? 'sha1' : 'sha256' },
      key,
    );
    return `<xenc:EncryptedKey>${keyTransportMethod(kt)}<ds:KeyInfo><ds:X509Data>${x509Data(r)}</ds:X509Data></ds:KeyInfo><xenc:CipherData><xenc:CipherValue>${wrapped.toString('base64')}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey>`;
  });
  const algorithm = content === 'aes256-gcm' ? ALG.aes256Gcm : ALG.aes256Cbc;
  const mime = opts.mimeType ? ` MimeType="${esc(opts.mimeType)}"` : '';
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<xenc:EncryptedData xmlns:xenc="${NS.xenc}" xmlns:xenc11="${NS.xenc11}" xmlns:ds="${NS.ds}"${mime}>` +
    `<xenc:EncryptionMethod Algorithm="${algorithm}"/><ds:KeyInfo>${keys.join('')}</ds:KeyInfo>` +
    `<xenc:CipherData><xenc:CipherValue>${cipherValue.toString('base64')}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>`;
  return { xml, cipherValue };
}

function findById(el: XmlElement, id: string): XmlElement | undefined {
  if (el.attributes.some((a) => a.namespaceUri === '' && a.localName === 'Id' && a.value === id)) return el;
  for (const c of el.children) {
    const found = c.kind === 'element' ? findById(c, id) : undefined;
    if (found) return found;
  }
  return undefined;
}

/**
 * Adds a ds:Signature (RSA-PSS SHA-256, exclusive c14n) as the last child of the root element, over the
 * element with `Id=referenceId` or, without it, over the whole document (enveloped).
 */
export function signXml(opts: { xml: string; signer: TestIdentity; referenceId?: string }): string {
  const doc = parseXml(opts.xml);
  const target = opts.referenceId === undefined ? undefined : findById(doc.root, opts.referenceId);
  if (opts.referenceId !== undefined && !target) throw new Error('referenceId not found');
  // the signature is not in the document yet, so this equals the node-set after the enveloped-signature transform
  const digest = createHash('sha256')
    .update(target ? excC14nElement(target) : excC14nDocument(doc))
    .digest('base64');
  const signedInfo =
    `<ds:SignedInfo xmlns:ds="${NS.ds}"><ds:CanonicalizationMethod Algorithm="${ALG.excC14n}"/>` +
    `<ds:SignatureMethod Algorithm="${ALG.sha256RsaMgf1}"/>` +
    `<ds:Reference URI="${opts.referenceId === undefined ? '' : `#${esc(opts.referenceId)}`}"><ds:Transforms>` +
    `<ds:Transform Algorithm="${ALG.envelopedSignature}"/><ds:Transform Algorithm="${ALG.excC14n}"/></ds:Transforms>` +
    `<ds:DigestMethod Algorithm="${ALG.sha256}"/><ds:DigestValue>${digest}</ds:DigestValue></ds:Reference></ds:SignedInfo>`;
  const signature = sign('sha256', excC14nElement(parseXml(signedInfo).root), {
    key: opts.signer.privateKeyPem,
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength: 32,
  });
  const certB64 = new X509Certificate(opts.signer.certificatePem).raw.toString('base64');
  const element =
    `<ds:Signature xmlns:ds="${NS.ds}">${signedInfo.replace(` xmlns:ds="${NS.ds}"`, '')}` +
    `<ds:SignatureValue>${signature.toString('base64')}</ds:SignatureValue>` +
    `<ds:KeyInfo><ds:X509Data><ds:X509Certificate>${certB64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>`;
  const close = opts.xml.lastIndexOf('</');
  if (close < 0) throw new Error('root element must have an end tag');
  return opts.xml.slice(0, close) + element + opts.xml.slice(close);
}
