import { describe, it, expect } from 'vitest';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveSchemaCacheDir } from '@weiche/xoev';
import { ErrorCode } from '@weiche/core';
import { XtaSchemaValidator } from './xta-schema-validator.js';

describe('XtaSchemaValidator.load', () => {
  it('refuses a tampered schema file in the cache', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weiche-xta-schemas-'));
    try {
      await cp(join(resolveSchemaCacheDir(), 'xta2-v3'), join(dir, 'xta2-v3'), { recursive: true });
      await writeFile(join(dir, 'xta2-v3', 'XTA-Webservice-Exceptions.xsd'), '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>');
      await expect(XtaSchemaValidator.load({ cacheDir: dir })).rejects.toMatchObject({ code: ErrorCode.SCHEMA_FILE_TAMPERED });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a missing cache as CONFIG_INVALID', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weiche-xta-empty-'));
    try {
      await expect(XtaSchemaValidator.load({ cacheDir: dir })).rejects.toMatchObject({ code: ErrorCode.CONFIG_INVALID });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
