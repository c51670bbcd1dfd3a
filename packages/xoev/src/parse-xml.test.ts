import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@weiche/core';
import { parseXml } from './parse-xml.js';

describe('parseXml', () => {
  it('keeps attributes and prefixes, values as strings', () => {
    expect(parseXml(Buffer.from('<x:a xmlns:x="urn:x" n="01"><x:b>007</x:b></x:a>'))).toEqual({
      'x:a': { '@_xmlns:x': 'urn:x', '@_n': '01', 'x:b': '007' },
    });
  });

  it('refuses any DOCTYPE: internal entities (XXE) and an external DTD reference alike', () => {
    const xxe = '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>';
    expect(() => parseXml(xxe)).toThrow(expect.objectContaining({ code: ErrorCode.SYNTAX_VIOLATION, part: 'data', retryable: false }));
    const external = '<?xml version="1.0"?><!DOCTYPE a SYSTEM "http://attacker.example/a.dtd"><a/>';
    expect(() => parseXml(external)).toThrow(expect.objectContaining({ code: ErrorCode.SYNTAX_VIOLATION }));
  });

  it('reports malformed XML as SYNTAX_VIOLATION without quoting content', () => {
    expect(() => parseXml('<a>Anna Geheim</b>')).toThrow(expect.objectContaining({ code: ErrorCode.SYNTAX_VIOLATION }));
    expect(() => parseXml('<a>Anna Geheim</b>')).toThrow(expect.not.objectContaining({ message: expect.stringContaining('Anna') }));
  });

  it('tells the sender in German, as its other refusals, that the XML data is not accepted', () => {
    // the detail reaches the sender's reject-submission event; the XML pool moved the reading here from the mapping SDK
    expect(() => parseXml('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>')).toThrow(expect.objectContaining({ message: expect.stringMatching(/^Die XML-Fachdaten werden nicht angenommen: /) }));
  });
});
