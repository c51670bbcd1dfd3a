import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@weiche/core';
import { buildXdomea0402, parseXdomeaConfirmation } from './xdomea-confirmation.js';
import { XsdValidator } from './xsd-validator.js';
import { installTempSchemaCache } from './test-support.js';

let cacheDir: string;
let validator: XsdValidator;
beforeAll(async () => {
  cacheDir = await installTempSchemaCache();
  validator = await XsdValidator.load({ cacheDir, standardId: 'xdomea-3.1.0' });
});
afterAll(async () => {
  validator.close();
  await rm(cacheDir, { recursive: true, force: true });
});

const prozessId = randomUUID();
const vorgang = randomUUID();
const dokument = randomUUID();
const dms = { behoerdenkennung: 'ags:05515000', name: 'DMS Stadt Münster' };
const hub = { name: 'Weiche' };

describe('xdomea 0402/0403', () => {
  it('builds an XSD-valid 0402 and reads it back per object, with reasons', () => {
    const xml = buildXdomea0402({
      prozessId,
      createdAt: new Date('2025-03-02T08:00:00Z'),
      sender: dms,
      recipient: hub,
      objects: [
        { objectId: vorgang, imported: true, reasons: [] },
        { objectId: dokument, imported: false, reasons: ['Virenprüfung: Datei gesperrt'] },
      ],
    });
    expect(validator.validate(xml)).toEqual({ valid: true, errors: [] });
    expect(parseXdomeaConfirmation(xml)).toEqual({
      messageType: '0402',
      prozessId,
      createdAt: new Date('2025-03-02T08:00:00Z'),
      absender: 'DMS Stadt Münster',
      objects: [
        { objectId: vorgang, imported: true, reasons: [] },
        { objectId: dokument, imported: false, reasons: ['Virenprüfung: Datei gesperrt'] },
      ],
    });
  });

  it('is namespace-aware: any prefix, the default namespace, FehlermeldungCode', () => {
    const xml = `<?xml version="1.0"?>
<Abgabe.ImportBestaetigen.0402 xmlns="urn:xoev-de:xdomea:schema:3.1.0">
  <Kopf><ProzessID>${prozessId}</ProzessID><Erstellungszeitpunkt>2025-03-02T08:00:00+01:00</Erstellungszeitpunkt></Kopf>
  <AbgegebenesObjekt><IDSGO>${vorgang}</IDSGO><Erfolgreich>false</Erfolgreich><FehlermeldungCode><code xmlns="">07</code></FehlermeldungCode></AbgegebenesObjekt>
</Abgabe.ImportBestaetigen.0402>`;
    expect(parseXdomeaConfirmation(xml).objects).toEqual([{ objectId: vorgang, imported: false, reasons: ['Code 07'] }]);
    const receipt = `<d:Abgabe.EmpfangBestaetigen.0403 xmlns:d="urn:xoev-de:xdomea:schema:3.1.0"><d:Kopf><d:ProzessID>${prozessId}</d:ProzessID><d:Erstellungszeitpunkt>2025-03-02T08:00:00Z</d:Erstellungszeitpunkt></d:Kopf></d:Abgabe.EmpfangBestaetigen.0403>`;
    expect(parseXdomeaConfirmation(receipt)).toMatchObject({ messageType: '0403', prozessId, objects: [] });
  });

  it('refuses a DOCTYPE, foreign roots and malformed input as a schema violation', () => {
    const bad = [
      `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>`,
      `<?xml version="1.0"?><!DOCTYPE Abgabe.ImportBestaetigen.0402 SYSTEM "http://example.invalid/x.dtd"><Abgabe.ImportBestaetigen.0402 xmlns="urn:xoev-de:xdomea:schema:3.1.0"/>`,
      '<Abgabe.ImportBestaetigen.0402/>',
      '<a><b></a>',
      `<Abgabe.ImportBestaetigen.0402 xmlns="urn:xoev-de:xdomea:schema:3.1.0"><Kopf><ProzessID>${prozessId}</ProzessID><Erstellungszeitpunkt>2025-03-02T08:00:00Z</Erstellungszeitpunkt></Kopf></Abgabe.ImportBestaetigen.0402>`,
    ];
    for (const xml of bad) expect(() => parseXdomeaConfirmation(xml)).toThrow(expect.objectContaining({ code: ErrorCode.SCHEMA_VIOLATION }));
    expect(() => parseXdomeaConfirmation(bad[0]!)).toThrow(/DOCTYPE/);
  });
});
