import { join } from 'node:path';
import { SCHEMAS_DIR, XsdValidator, type XsdValidationResult } from '@weiche/xoev';
import { SOAP12_ENVELOPE_XSD, XTA_ENTRY_XSD } from './soap12-envelope-xsd.js';

/** Manifest of the XTA 2 V3 reference schemas (`schemas/xta/manifest.json`). */
export const XTA_MANIFEST_PATH: string = join(SCHEMAS_DIR, 'xta', 'manifest.json');
/** Standard id of XTA 2 Version 3 in that manifest. */
export const XTA_STANDARD_ID = 'xta-2-v3';

/** Outcome of one validation: libxml2's line:column and message only (never document text). */
export type XtaValidationResult = XsdValidationResult;

/** Validates whole SOAP 1.2 envelopes against the XTA 2 V3 WSDL schemas: the hub's one XsdValidator with a wrapper entry. */
export type XtaSchemaValidator = XsdValidator;

export const XtaSchemaValidator = {
  /**
   * Verifies the sha256 of every XTA schema file in the cache, then compiles the WSDL types once, under an
   * entry schema that also imports SOAP 1.2 (the envelope schema is not part of the WSDL's files).
   */
  load(opts: { cacheDir: string; manifestPath?: string }): Promise<XtaSchemaValidator> {
    return XsdValidator.load({
      cacheDir: opts.cacheDir,
      manifestPath: opts.manifestPath ?? XTA_MANIFEST_PATH,
      standardId: XTA_STANDARD_ID,
      extraFiles: new Map([['xta2-v3/soap12-envelope.xsd', Buffer.from(SOAP12_ENVELOPE_XSD, 'utf8')]]),
      entry: { path: 'xta2-v3/weiche-xta-entry.xsd', source: Buffer.from(XTA_ENTRY_XSD, 'utf8') },
    });
  },
};
