import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { ErrorCode, WeicheError } from '@weiche/core';

// ajv and ajv-formats are CommonJS with `exports.default`; under NodeNext the default import is the
// module object, so take `.default` when it is there.
type Ajv2020Ctor = typeof Ajv2020Module.default;
const Ajv2020 = ((Ajv2020Module as unknown as { default?: Ajv2020Ctor }).default ?? Ajv2020Module) as Ajv2020Ctor;
type AddFormats = typeof addFormatsModule.default;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as AddFormats;

export type MetadataHash = { type: 'sha512'; content: string };

/** The metadata fields the hub reads (both schema versions); everything else stays untyped. */
export type Metadata = {
  $schema?: string;
  contentStructure: {
    data?: { hash: MetadataHash; submissionSchema: { schemaUri: string; mimeType: string } };
    attachments: Array<{
      attachmentId: string;
      hash: MetadataHash;
      purpose: string;
      mimeType: string;
      filename?: string;
      description?: string;
    }>;
  };
  publicServiceType?: { name?: string; identifier?: string; [k: string]: unknown };
  additionalReferenceInfo?: { senderReference?: string; [k: string]: unknown };
  [k: string]: unknown;
};

export type MetadataValidation =
  | { ok: true; version: '1.x' | '2.x'; metadata: Metadata }
  | { ok: false; errors: string[]; problem: 'schema-violation' | 'unsupported-schema' };

export type MetadataValidator = { validate(metadata: unknown): MetadataValidation };

// Metadata 2.x names its schema in $schema (required there); 1.0.0 has no $schema property.
const SCHEMA_2X = /^https:\/\/schema\.fitko\.de\/fit-connect\/metadata\/2\.\d+\.\d+\/metadata\.schema\.json$/;
const SCHEMA_1X = /^https:\/\/schema\.fitko\.de\/fit-connect\/metadata\/1\.\d+\.\d+\/metadata\.schema\.json$/;

function formatErrors(errors: ErrorObject[] | null | undefined): string[] {
  // instancePath and message only: never echo values, they may be personal data
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`);
}

function loadSchema(schemaDir: string, file: string): Record<string, unknown> {
  const path = join(schemaDir, file);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new WeicheError(ErrorCode.CONFIG_INVALID, `metadata schema not readable: ${path}`, { cause: e });
  }
}

/** Compiles both official metadata schemas (1.0.0, 2.1.0) once; validate() picks one by `$schema`. */
export function createMetadataValidator(opts: { schemaDir: string }): MetadataValidator {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  const v1: ValidateFunction = ajv.compile(loadSchema(opts.schemaDir, 'metadata.schema-1.0.0.json'));
  const v2: ValidateFunction = ajv.compile(loadSchema(opts.schemaDir, 'metadata.schema-2.1.0.json'));

  return {
    validate(metadata: unknown): MetadataValidation {
      if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
        return { ok: false, errors: ['/ must be object'], problem: 'schema-violation' };
      }
      const declared = (metadata as { $schema?: unknown }).$schema;
      let version: '1.x' | '2.x';
      if (declared === undefined) version = '1.x';
      else if (typeof declared === 'string' && SCHEMA_2X.test(declared)) version = '2.x';
      else if (typeof declared === 'string' && SCHEMA_1X.test(declared)) version = '1.x';
      else return { ok: false, errors: ['/$schema names no supported metadata schema version'], problem: 'unsupported-schema' };
      const validate = version === '2.x' ? v2 : v1;
      if (!validate(metadata)) return { ok: false, errors: formatErrors(validate.errors), problem: 'schema-violation' };
      return { ok: true, version, metadata: metadata as Metadata };
    },
  };
}
