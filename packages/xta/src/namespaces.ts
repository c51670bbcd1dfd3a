/** SOAP 1.2 envelope namespace (the only SOAP version XTA 2 V3 binds, WSDL `soap12` binding). */
export const NS_SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';
/** SOAP 1.1 envelope namespace: recognised only to refuse it with a VersionMismatch fault. */
export const NS_SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';
/** WS-Addressing 1.0. */
export const NS_WSA = 'http://www.w3.org/2005/08/addressing';
/** XTA 2 Version 3 (xta 2.1.1). */
export const NS_XTA = 'http://xoev.de/transport/xta/211';
/** OSCI 2 transport (MsgBox requests, MsgStatusList). */
export const NS_OSCI = 'http://www.osci.eu/ws/2008/05/transport';
/** OSCI MessageMetaData 2.02. */
export const NS_OSCIMETA = 'http://www.osci.eu/ws/2014/10/transport';
/** XML Encryption 1.0. */
export const NS_XENC = 'http://www.w3.org/2001/04/xmlenc#';
/** XML Signature. */
export const NS_DS = 'http://www.w3.org/2000/09/xmldsig#';
/** XOP include (MTOM). */
export const NS_XOP = 'http://www.w3.org/2004/08/xop/include';
/** The `xml:` prefix namespace (for `xml:lang`). */
export const NS_XML = 'http://www.w3.org/XML/1998/namespace';
/** Code list URI of XTA error numbers. */
export const FEHLERNUMMER_LIST_URI = 'urn:de:xta:webservice:codeliste:fehlernummer';
