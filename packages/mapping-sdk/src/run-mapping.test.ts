import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ErrorCode } from '@weiche/core';
import { parseSubmissionData, runMapping, submissionXmlRoot } from './run-mapping.js';
import type { MappingModule, MappingResult, SubmissionContext } from './types.js';

function ctx(data?: { mimeType: string; content: string }): SubmissionContext {
  return {
    submissionId: 's-1',
    caseId: 'c-1',
    serviceIdentifier: 'urn:de:fim:leika:leistung:99010003001006',
    receivedAt: new Date(),
    tenant: { id: 't', name: 'Stadt', behoerdenkennung: 'ags:05515000' },
    sender: { name: 'Portal', behoerdenkennung: 'psw:1' },
    ...(data ? { data: { schemaUri: 'urn:x', mimeType: data.mimeType, content: Buffer.from(data.content), sha512: 'x' } } : {}),
    attachments: [],
    hub: { product: 'Weiche', version: '0.1.0' },
  };
}

const Antrag = z.object({ antragsteller: z.object({ name: z.string(), plz: z.string().regex(/^\d{5}$/) }) });

function recorder<I>(schema: z.ZodType<I>) {
  const seen: I[] = [];
  const module: MappingModule<I> = {
    id: 'rec',
    version: '1.0.0',
    sources: [{ schemaUri: '*' }],
    target: 'xdomea-3.1.0:0401',
    inputSchema: schema,
    map: (input): MappingResult => {
      seen.push(input);
      return { targetProfile: 'xdomea-3.1.0:0401', standardId: 'xdomea-3.1.0', packageName: 'p.zip', messageName: 'p.xml', messageXml: '<x/>', documents: [], prozessId: 'p' };
    },
  };
  return { module, seen };
}

describe('runMapping', () => {
  it('parses JSON data and hands the validated value to map', async () => {
    const { module, seen } = recorder(Antrag);
    await runMapping(module, ctx({ mimeType: 'application/json; charset=utf-8', content: '{"antragsteller":{"name":"Anna","plz":"48143"}}' }));
    expect(seen).toEqual([{ antragsteller: { name: 'Anna', plz: '48143' } }]);
  });

  it('parses XML data', async () => {
    const { module, seen } = recorder(z.object({ antrag: z.object({ '@_id': z.string(), ort: z.string() }) }));
    await runMapping(module, ctx({ mimeType: 'application/xml', content: '<antrag id="7"><ort>Münster</ort></antrag>' }));
    expect(seen).toEqual([{ antrag: { '@_id': '7', ort: 'Münster' } }]);
  });

  it('passes undefined when there is no structured data', async () => {
    const { module, seen } = recorder(z.undefined());
    await runMapping(module, ctx());
    expect(seen).toEqual([undefined]);
  });

  it('names the failing field path, not the value, in a SCHEMA_VIOLATION', async () => {
    const { module, seen } = recorder(Antrag);
    const run = runMapping(module, ctx({ mimeType: 'application/json', content: '{"antragsteller":{"name":"Anna Geheim","plz":"ABCDE"}}' }));
    await expect(run).rejects.toMatchObject({ code: ErrorCode.SCHEMA_VIOLATION, retryable: false, message: expect.stringContaining('antragsteller.plz') });
    await run.catch((e: Error) => {
      expect(e.message).not.toContain('ABCDE');
      expect(e.message).not.toContain('Anna');
    });
    expect(seen).toEqual([]);
  });

  it('quotes no key the data brought in a SCHEMA_VIOLATION: unrecognised properties are counted, undeclared keys masked', async () => {
    const Strict = z.strictObject({ antragsteller: z.strictObject({ name: z.string() }), anlagen: z.record(z.string(), z.strictObject({ seiten: z.number() })) });
    const { module } = recorder(Strict);
    const data = { antragsteller: { name: 'Anna', 'Erika Mustermann': { geboren: '1964-08-12' } }, anlagen: { 'Max Mustermann': { seiten: 'viele' } } };
    const run = runMapping(module, ctx({ mimeType: 'application/json', content: JSON.stringify(data) }));
    await expect(run).rejects.toMatchObject({ code: ErrorCode.SCHEMA_VIOLATION, message: expect.stringContaining('antragsteller: unrecognised properties (1)') });
    await run.catch((e: Error) => {
      expect(e.message).toContain('anlagen.*.seiten');
      for (const personal of ['Erika', 'Mustermann', '1964', 'viele']) expect(e.message).not.toContain(personal);
    });
  });

  it('rejects malformed JSON/XML and a DOCTYPE as SYNTAX_VIOLATION and data of other types as UNSUPPORTED_SCHEMA, all input problems of the data', async () => {
    const { module } = recorder(z.unknown());
    await expect(runMapping(module, ctx({ mimeType: 'application/json', content: '{"name":"Anna' }))).rejects.toMatchObject({
      code: ErrorCode.SYNTAX_VIOLATION,
      part: 'data',
      retryable: false,
      message: expect.not.stringContaining('Anna'),
    });
    await expect(runMapping(module, ctx({ mimeType: 'text/xml', content: '<a><b></a>' }))).rejects.toMatchObject({ code: ErrorCode.SYNTAX_VIOLATION, part: 'data' });
    await expect(runMapping(module, ctx({ mimeType: 'application/xml', content: '<!DOCTYPE a SYSTEM "http://attacker.example/a.dtd"><a/>' }))).rejects.toMatchObject({ code: ErrorCode.SYNTAX_VIOLATION });
    await expect(runMapping(module, ctx({ mimeType: 'application/pdf', content: '%PDF' }))).rejects.toMatchObject({ code: ErrorCode.UNSUPPORTED_SCHEMA, part: 'data' });
  });
});

describe('parseSubmissionData', () => {
  it('parses a content buffer once: the channel check, each route target and a rendering module share one parse', async () => {
    const json = ctx({ mimeType: 'application/json', content: '{"antragsteller":{"name":"A","plz":"48143"}}' }).data;
    const first = await parseSubmissionData(json);
    expect(first).toEqual({ antragsteller: { name: 'A', plz: '48143' } });
    expect(await parseSubmissionData(json)).toBe(first);
    const xml = ctx({ mimeType: 'application/xml', content: '<a:antrag xmlns:a="urn:a"><a:name>A</a:name></a:antrag>' }).data!;
    expect(await submissionXmlRoot(xml)).toEqual({ namespace: 'urn:a', rootElement: 'antrag' });
    expect(await parseSubmissionData(xml)).toBe(await parseSubmissionData(xml));
  });
});
