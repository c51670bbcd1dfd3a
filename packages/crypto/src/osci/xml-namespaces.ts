/** Namespace and algorithm URIs of XML Encryption 1.0/1.1 and XML Signature (with RFC 6931 additions). */
export const NS = {
  xenc: 'http://www.w3.org/2001/04/xmlenc#',
  xenc11: 'http://www.w3.org/2009/xmlenc11#',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  dsigMore: 'http://www.w3.org/2007/05/xmldsig-more#',
  excC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  xop: 'http://www.w3.org/2004/08/xop/include',
} as const;

export const ALG = {
  aes256Gcm: 'http://www.w3.org/2009/xmlenc11#aes256-gcm',
  aes256Cbc: 'http://www.w3.org/2001/04/xmlenc#aes256-cbc',
  rsaOaep: 'http://www.w3.org/2009/xmlenc11#rsa-oaep',
  rsaOaepMgf1p: 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
  mgf1Sha1: 'http://www.w3.org/2009/xmlenc11#mgf1sha1',
  mgf1Sha256: 'http://www.w3.org/2009/xmlenc11#mgf1sha256',
  mgf1Sha384: 'http://www.w3.org/2009/xmlenc11#mgf1sha384',
  mgf1Sha512: 'http://www.w3.org/2009/xmlenc11#mgf1sha512',
  sha1: 'http://www.w3.org/2000/09/xmldsig#sha1',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  sha384: 'http://www.w3.org/2001/04/xmldsig-more#sha384',
  sha512: 'http://www.w3.org/2001/04/xmlenc#sha512',
  excC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  excC14nWithComments: 'http://www.w3.org/2001/10/xml-exc-c14n#WithComments',
  envelopedSignature: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
  sha256RsaMgf1: 'http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1',
} as const;
