import { posix, join } from 'node:path';
import {
  XmlDocument,
  XmlLibError,
  XsdValidator as LibXsdValidator,
  xmlRegisterInputProvider,
  closeBuffer,
  openBuffer,
  readBuffer,
} from 'libxml2-wasm';
import type { ErrorDetail, XmlInputProvider } from 'libxml2-wasm';
import { WeicheError, ErrorCode, errorMessage } from '@weiche/core';
import { SCHEMAS_DIR, verifySchemaCache } from '@weiche/xoev';
import { SOAP12_ENVELOPE_XSD, XTA_ENTRY_XSD } from './soap12-envelope-xsd.js';

/** Manifest of the XTA 2 V3 reference schemas (`schemas/xta/manifest.json`). */
export const XTA_MANIFEST_PATH: string = join(SCHEMAS_DIR, 'xta', 'manifest.json');
/** Standard id of XTA 2 Version 3 in that manifest. */
export const XTA_STANDARD_ID = 'xta-2-v3';

/** Outcome of one validation: libxml2's line:column and message only (never document text). */
export interface XtaValidationResult {
  valid: boolean;
  errors: string[];
}

// Own input provider (xoev keeps its virtual file table private); files live under a private
// prefix only while the schema compiles.
const virtualFiles = new Map<string, Uint8Array>();
let providerRegistered = false;
let nextLoadId = 0;

const norm = (name: string): string => {
  const stripped = name.startsWith('file://') ? name.slice('file://'.length) : name;
  return stripped.startsWith('/') ? posix.normalize(stripped) : stripped;
};

const provider: XmlInputProvider = {
  match: (name) => virtualFiles.has(norm(name)),
  open: (name) => {
    const bytes = virtualFiles.get(norm(name));
    return bytes === undefined ? undefined : openBuffer(bytes);
  },
  read: (fd, buf) => readBuffer(fd, buf),
  close: (fd) => {
    closeBuffer(fd);
    return true;
  },
};

const fmt = (details: readonly ErrorDetail[]): string[] => details.map((d) => `line ${d.line}:${d.col}: ${d.message.trim()}`);

/** Validates whole SOAP 1.2 envelopes against the XTA 2 V3 WSDL schemas (libxml2), compiled once. */
export class XtaSchemaValidator {
  #schemaDoc: XmlDocument | undefined;
  #validator: LibXsdValidator | undefined;

  private constructor(schemaDoc: XmlDocument, validator: LibXsdValidator) {
    this.#schemaDoc = schemaDoc;
    this.#validator = validator;
  }

  /** Verifies the sha256 of every XTA schema file in the cache, then compiles the WSDL types once. */
  static async load(opts: { cacheDir: string; manifestPath?: string }): Promise<XtaSchemaValidator> {
    const verified = await verifySchemaCache({
      cacheDir: opts.cacheDir,
      manifestPath: opts.manifestPath ?? XTA_MANIFEST_PATH,
      standardId: XTA_STANDARD_ID,
    });
    if (!providerRegistered) {
      if (!xmlRegisterInputProvider(provider)) {
        throw new WeicheError(ErrorCode.INTERNAL, 'libxml2 refused the XTA schema input provider (callback table full)');
      }
      providerRegistered = true;
    }
    const dir = `/weiche-xta-xsd/${nextLoadId++}/xta2-v3/`;
    const added: string[] = [];
    const add = (name: string, bytes: Uint8Array): void => {
      virtualFiles.set(name, bytes);
      added.push(name);
    };
    for (const [path, bytes] of verified.files) add(posix.normalize(`/weiche-xta-xsd/${nextLoadId - 1}/${path}`), bytes);
    add(`${dir}soap12-envelope.xsd`, Buffer.from(SOAP12_ENVELOPE_XSD, 'utf8'));
    let schemaDoc: XmlDocument | undefined;
    try {
      schemaDoc = XmlDocument.fromString(XTA_ENTRY_XSD, { url: `${dir}weiche-xta-entry.xsd` });
      return new XtaSchemaValidator(schemaDoc, LibXsdValidator.fromDoc(schemaDoc));
    } catch (e) {
      schemaDoc?.dispose();
      const details = e instanceof XmlLibError ? fmt(e.details).slice(0, 5).join('; ') : errorMessage(e);
      throw new WeicheError(ErrorCode.INTERNAL, `cannot compile XTA schemas: ${details}`, { cause: e });
    } finally {
      for (const name of added) virtualFiles.delete(name);
    }
  }

  /** Validates a SOAP envelope (or any element with a global declaration); errors are returned, never thrown. */
  validate(xml: string | Uint8Array): XtaValidationResult {
    const validator = this.#validator;
    if (!validator) throw new WeicheError(ErrorCode.INTERNAL, 'XtaSchemaValidator used after close()');
    let doc: XmlDocument;
    try {
      doc = typeof xml === 'string' ? XmlDocument.fromString(xml) : XmlDocument.fromBuffer(xml);
    } catch (e) {
      return { valid: false, errors: e instanceof XmlLibError ? fmt(e.details) : [errorMessage(e)] };
    }
    try {
      validator.validate(doc);
      return { valid: true, errors: [] };
    } catch (e) {
      if (e instanceof XmlLibError) return { valid: false, errors: fmt(e.details) };
      throw e;
    } finally {
      doc.dispose();
    }
  }

  /** Frees the compiled schema. */
  close(): void {
    this.#validator?.dispose();
    this.#schemaDoc?.dispose();
    this.#validator = undefined;
    this.#schemaDoc = undefined;
  }
}
