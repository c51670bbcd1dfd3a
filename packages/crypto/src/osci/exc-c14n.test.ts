import { describe, expect, it } from 'vitest';
import { excC14nDocument, excC14nElement } from './exc-c14n.js';
import { descendants, parseXml } from '@weiche/xml';

// Expected outputs were produced once by libxml2 (`xmllint --exc-c14n`, which keeps comments), an independent implementation.
const INPUT_A = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- before -->\n<?pi-before some data?>\n<r:Root xmlns:r=\"urn:r\" xmlns:unused=\"urn:unused\" xmlns=\"urn:default\" b=\"2\" a='1 &amp; &lt;x&gt; \"q\"' r:z=\"3\">\n  <child xml:lang=\"de\">Text &amp; &#x41;&#65; <![CDATA[<cdata>]]> &gt;</child>\n  <x:other xmlns:x=\"urn:x\" xmlns=\"\" attr=\"tab&#9;nl&#10;cr&#13;end\">\n    <inner/>\n    <!-- inside -->\n    <?pi inside?>\n  </x:other>\n  <r:again xmlns:r=\"urn:r2\" x:y=\"1\" xmlns:x=\"urn:a\"/>\n</r:Root>\n<!-- after -->\n";
const XMLLINT_A = "<!-- before -->\n<?pi-before some data?>\n<r:Root xmlns:r=\"urn:r\" a=\"1 &amp; &lt;x> &quot;q&quot;\" b=\"2\" r:z=\"3\">\n  <child xmlns=\"urn:default\" xml:lang=\"de\">Text &amp; AA &lt;cdata&gt; &gt;</child>\n  <x:other xmlns:x=\"urn:x\" attr=\"tab&#x9;nl&#xA;cr&#xD;end\">\n    <inner></inner>\n    <!-- inside -->\n    <?pi inside?>\n  </x:other>\n  <r:again xmlns:r=\"urn:r2\" xmlns:x=\"urn:a\" x:y=\"1\"></r:again>\n</r:Root>\n<!-- after -->";
const INPUT_B = '<a xmlns="urn:d">\r\n<b attr="line\r\nbreak">x\ry</b></a>';
const XMLLINT_B = "<a xmlns=\"urn:d\">\n<b attr=\"line break\">x\ny</b></a>";

describe('excC14nDocument', () => {
  it('matches libxml2 on namespaces, attribute order, escaping, CDATA, comments and PIs', () => {
    expect(excC14nDocument(parseXml(INPUT_A), { withComments: true }).toString('utf8')).toBe(XMLLINT_A);
  });

  it('drops comments (and their separating newlines) without #WithComments', () => {
    const out = excC14nDocument(parseXml(INPUT_A)).toString('utf8');
    expect(out).not.toContain('<!--');
    expect(out.startsWith('<?pi-before some data?>\n<r:Root')).toBe(true);
    expect(out.endsWith('</r:Root>')).toBe(true);
  });

  it('matches libxml2 on line-end and attribute-value normalisation', () => {
    expect(excC14nDocument(parseXml(INPUT_B)).toString('utf8')).toBe(XMLLINT_B);
  });
});

describe('excC14nElement', () => {
  // Exclusive XML Canonicalization 1.0, §2.2 example: the n3 declaration moves onto the element that uses it
  const spec =
    '<n0:local xmlns:n0="foo:bar" xmlns:n3="ftp://example.org"><n1:elem2 xmlns:n1="http://example.net" xml:lang="en">' +
    '<n3:stuff xmlns:n3="ftp://example.org"/></n1:elem2></n0:local>';

  it('renders only visibly utilised namespaces of a subtree (spec §2.2)', () => {
    const elem2 = descendants(parseXml(spec).root, 'http://example.net', 'elem2')[0];
    expect(elem2).toBeDefined();
    if (!elem2) return;
    expect(excC14nElement(elem2).toString()).toBe(
      '<n1:elem2 xmlns:n1="http://example.net" xml:lang="en"><n3:stuff xmlns:n3="ftp://example.org"></n3:stuff></n1:elem2>',
    );
  });

  it('declares namespaces inherited from outside the subtree and honours the InclusiveNamespaces PrefixList', () => {
    const doc = parseXml('<r xmlns="urn:d" xmlns:p="urn:p" xmlns:q="urn:q"><p:x a="1"><y/></p:x></r>');
    const x = descendants(doc.root, 'urn:p', 'x')[0];
    if (!x) throw new Error('x missing');
    expect(excC14nElement(x).toString()).toBe('<p:x xmlns:p="urn:p" a="1"><y xmlns="urn:d"></y></p:x>');
    expect(excC14nElement(x, { inclusivePrefixes: ['q', '#default'] }).toString()).toBe(
      '<p:x xmlns="urn:d" xmlns:p="urn:p" xmlns:q="urn:q" a="1"><y></y></p:x>',
    );
  });

  it('leaves excluded elements out (enveloped signature)', () => {
    const doc = parseXml('<r><keep/><drop><inner/></drop></r>');
    const drop = doc.root.children.find((c) => c.kind === 'element' && c.localName === 'drop');
    if (drop?.kind !== 'element') throw new Error('drop missing');
    expect(excC14nElement(doc.root, { exclude: new Set([drop]) }).toString()).toBe('<r><keep></keep></r>');
  });
});
