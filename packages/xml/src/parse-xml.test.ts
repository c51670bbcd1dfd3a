import { describe, expect, it } from 'vitest';
import { attr, childElement, parseXml, textContent, XmlSyntaxError } from './parse-xml.js';

describe('parseXml', () => {
  it('resolves namespaces, entities, character references and CDATA', () => {
    const doc = parseXml(
      '<?xml version="1.0" encoding="utf-8"?><a:r xmlns:a="urn:a" xmlns="urn:d" x="1 &amp; 2"><c>&lt;&#x41;&#66;<![CDATA[&raw]]></c></a:r>',
    );
    expect(doc.root.namespaceUri).toBe('urn:a');
    expect(attr(doc.root, 'x')).toBe('1 & 2');
    const c = childElement(doc.root, 'urn:d', 'c');
    expect(c && textContent(c)).toBe('<AB&raw');
  });

  it('accepts a UTF-8 Buffer with BOM', () => {
    const doc = parseXml(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<r>Grüße</r>')]));
    expect(textContent(doc.root)).toBe('Grüße');
  });

  it.each([
    ['a DTD', '<!DOCTYPE r [<!ELEMENT r ANY>]><r/>', /DTD/],
    ['an external entity', '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>', /DTD/],
    [
      'billion laughs',
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><lolz>&lol2;</lolz>',
      /DTD/,
    ],
    ['an undefined entity', '<r>&nbsp;</r>', /undefined entity/],
    ['a bare ampersand', '<r>a & b</r>', /bare '&'/],
    ['an unbound prefix', '<p:r/>', /unbound prefix/],
    ['a duplicate attribute', '<r a="1" a="2"/>', /duplicate attribute/],
    ['a duplicate expanded attribute name', '<r xmlns:p="urn:x" xmlns:q="urn:x" p:a="1" q:a="2"/>', /duplicate attribute/],
    ['mismatched tags', '<r><a></b></r>', /mismatched end tag/],
    ['truncated input', '<r><a>', /unexpected end/],
    ['two roots', '<r/><s/>', /second root/],
    ['a non-UTF-8 encoding', '<?xml version="1.0" encoding="ISO-8859-1"?><r/>', /only UTF-8/],
    ['a forbidden character reference', '<r>&#0;</r>', /invalid character reference/],
    ['deep nesting', '<a>'.repeat(300) + '</a>'.repeat(300), /nested deeper/],
  ])('refuses %s', (_name, xml, message) => {
    expect(() => parseXml(xml)).toThrow(XmlSyntaxError);
    expect(() => parseXml(xml)).toThrow(message);
  });
});

describe('parseXml on hostile sizes', () => {
  // a start tag with very many attributes once cost O(n²) in the duplicate check: 50 000 attributes
  // (under 1 MB) kept the event loop busy for tens of seconds
  it('reads a start tag with 50 000 attributes in linear time, and still finds a duplicate among them', () => {
    const attrs = Array.from({ length: 50_000 }, (_, i) => `a${i}="x"`).join(' ');
    const started = performance.now();
    expect(parseXml(`<r ${attrs}/>`).root.attributes).toHaveLength(50_000);
    expect(() => parseXml(`<r ${attrs} a49999="y"/>`)).toThrow(/duplicate attribute/);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('refuses more elements than maxElements allows, counting the root', () => {
    expect(parseXml('<r><a/><b/></r>', { maxElements: 3 }).root.children).toHaveLength(2);
    expect(() => parseXml('<r><a/><b/><c/></r>', { maxElements: 3 })).toThrow(/more than 3 elements/);
  });
});
