import { posix } from 'node:path';
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
import { verifySchemaCache } from './schema-cache.js';

/** Standards the validator can load (ids of `schemas/xoev/manifest.json`). */
export type XoevStandardId = 'xdomea-3.1.0' | 'xbau-2.6';

/** Outcome of one validation: errors carry libxml2's line:column and message only. */
export interface XsdValidationResult {
  valid: boolean;
  errors: string[];
}

// XÖV schemas import the W3C xml.xsd by its absolute URL; libxml2-wasm has no network, so the
// verified local copy from the same standard answers for it.
const W3C_XML_XSD_URLS = ['http://www.w3.org/2001/xml.xsd', 'http://www.w3.org/2009/01/xml.xsd'];

// One input provider for the whole process: libxml2's callback table is small, so validators
// share it and add/remove their verified files by a private virtual prefix.
const virtualFiles = new Map<string, Uint8Array>();
let providerRegistered = false;
let nextLoadId = 0;

function normalizeName(name: string): string {
  if (virtualFiles.has(name)) return name;
  const stripped = name.startsWith('file://') ? name.slice('file://'.length) : name;
  return stripped.startsWith('/') ? posix.normalize(stripped) : stripped;
}

const provider: XmlInputProvider = {
  match: (name) => virtualFiles.has(normalizeName(name)),
  open: (name) => {
    const bytes = virtualFiles.get(normalizeName(name));
    return bytes === undefined ? undefined : openBuffer(bytes);
  },
  read: (fd, buf) => readBuffer(fd, buf),
  close: (fd) => {
    closeBuffer(fd);
    return true;
  },
};

function ensureProvider(): void {
  if (providerRegistered) return;
  if (!xmlRegisterInputProvider(provider)) {
    throw new WeicheError(ErrorCode.INTERNAL, 'libxml2 refused the schema input provider (callback table full)');
  }
  providerRegistered = true;
}

function formatDetails(details: readonly ErrorDetail[]): string[] {
  return details.map((d) => `line ${d.line}:${d.col}: ${d.message.trim()}`);
}

/**
 * XSD validation with libxml2 (libxml2-wasm), schema parsed ONCE and reused; includes/imports resolved from
 * the sha256-verified cache dir. The one validator of the hub: xÖV messages, and (with its own manifest,
 * extra files and entry) the XTA SOAP envelopes.
 */
export class XsdValidator {
  readonly standardId: string;
  #schemaDoc: XmlDocument | undefined;
  #validator: LibXsdValidator | undefined;

  private constructor(standardId: string, schemaDoc: XmlDocument, validator: LibXsdValidator) {
    this.standardId = standardId;
    this.#schemaDoc = schemaDoc;
    this.#validator = validator;
  }

  /**
   * Verifies the sha256 of every schema file of the standard, then parses the entry XSD once. `extraFiles`
   * (paths relative to the cache layout) and `entry` let a caller add its own wrapper schema, e.g. one that
   * imports SOAP 1.2 and the WSDL's types.
   */
  static async load(opts: {
    cacheDir: string;
    standardId: string;
    manifestPath?: string;
    extraFiles?: ReadonlyMap<string, Uint8Array>;
    entry?: { readonly path: string; readonly source: Uint8Array };
  }): Promise<XsdValidator> {
    const verified = await verifySchemaCache({ cacheDir: opts.cacheDir, standardId: opts.standardId, ...(opts.manifestPath ? { manifestPath: opts.manifestPath } : {}) });
    ensureProvider();
    const prefix = `/weiche-xsd/${nextLoadId++}/`;
    const added: string[] = [];
    const add = (name: string, bytes: Uint8Array): void => {
      if (virtualFiles.has(name)) return;
      virtualFiles.set(name, bytes);
      added.push(name);
    };
    for (const [path, bytes] of verified.files) {
      add(posix.normalize(prefix + path), bytes);
      if (posix.basename(path) === 'xml.xsd') for (const url of W3C_XML_XSD_URLS) add(url, bytes);
    }
    for (const [path, bytes] of opts.extraFiles ?? []) add(posix.normalize(prefix + path), bytes);
    const entryPath = opts.entry?.path ?? verified.standard.entry;
    const entry = opts.entry?.source ?? verified.files.get(entryPath);
    if (!entry) {
      throw new WeicheError(ErrorCode.CONFIG_INVALID, `entry ${entryPath} of ${opts.standardId} is not among its manifest files`);
    }
    let schemaDoc: XmlDocument | undefined;
    try {
      schemaDoc = XmlDocument.fromBuffer(entry, { url: posix.normalize(prefix + entryPath) });
      const validator = LibXsdValidator.fromDoc(schemaDoc);
      return new XsdValidator(opts.standardId, schemaDoc, validator);
    } catch (e) {
      schemaDoc?.dispose();
      const details = e instanceof XmlLibError ? formatDetails(e.details).slice(0, 5).join('; ') : errorMessage(e);
      throw new WeicheError(ErrorCode.INTERNAL, `cannot compile ${opts.standardId} schema: ${details}`, { cause: e });
    } finally {
      // The compiled schema no longer needs the files; drop them so memory is not held twice.
      for (const name of added) virtualFiles.delete(name);
    }
  }

  /** Validates a document; parse errors and schema violations are returned, never thrown. */
  validate(xml: string | Uint8Array): XsdValidationResult {
    const validator = this.#validator;
    if (!validator) throw new WeicheError(ErrorCode.INTERNAL, 'XsdValidator used after close()');
    let doc: XmlDocument;
    try {
      doc = typeof xml === 'string' ? XmlDocument.fromString(xml) : XmlDocument.fromBuffer(xml);
    } catch (e) {
      if (e instanceof XmlLibError) return { valid: false, errors: formatDetails(e.details) };
      return { valid: false, errors: [errorMessage(e)] };
    }
    try {
      validator.validate(doc);
      return { valid: true, errors: [] };
    } catch (e) {
      if (e instanceof XmlLibError) return { valid: false, errors: formatDetails(e.details) };
      throw e;
    } finally {
      doc.dispose();
    }
  }

  /** Frees the compiled schema; the validator cannot be used afterwards. */
  close(): void {
    this.#validator?.dispose();
    this.#schemaDoc?.dispose();
    this.#validator = undefined;
    this.#schemaDoc = undefined;
  }
}
