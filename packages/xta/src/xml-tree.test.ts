import { describe, it, expect } from 'vitest';
import { parseXmlTree, serializeElement, childNamed, attrValue } from './xml-tree.js';
import { XtaFault } from './xta-errors.js';

describe('parseXmlTree', () => {
  it('resolves default and prefixed namespaces, unprefixed attributes in no namespace', () => {
    const el = parseXmlTree('<r xmlns="urn:d" xmlns:p="urn:p" a="1" p:b="2"><p:c>x</p:c><d>y</d></r>');
    expect(el).toMatchObject({ ns: 'urn:d', local: 'r' });
    expect(attrValue(el, 'a')).toBe('1');
    expect(attrValue(el, 'b', 'urn:p')).toBe('2');
    expect(childNamed(el, 'urn:p', 'c')?.text).toBe('x');
    expect(childNamed(el, 'urn:d', 'd')?.text).toBe('y');
  });

  it('keeps CDATA literally and refuses undeclared prefixes', () => {
    expect(parseXmlTree('<r><![CDATA[a<&b]]></r>').text).toBe('a<&b');
    expect(() => parseXmlTree('<q:r/>')).toThrow(XtaFault);
  });

  it('refuses DOCTYPE in any letter case and ENTITY declarations', () => {
    expect(() => parseXmlTree('<!doctype r><r/>')).toThrow(/DTD/);
    expect(() => parseXmlTree('<r><!ENTITY x "y"></r>')).toThrow(XtaFault);
  });

  it('serialises a subtree standalone with the inherited namespace declarations', () => {
    const root = parseXmlTree('<a:env xmlns:a="urn:a" xmlns:b="urn:b"><b:inner x="&quot;q&quot;">t &amp; <a:leaf/></b:inner></a:env>');
    const inner = childNamed(root, 'urn:b', 'inner');
    if (!inner) throw new Error('missing');
    const xml = serializeElement(inner);
    const back = parseXmlTree(xml);
    expect(back).toMatchObject({ ns: 'urn:b', local: 'inner', text: 't & ' });
    expect(attrValue(back, 'x')).toBe('"q"');
    expect(childNamed(back, 'urn:a', 'leaf')).toBeDefined();
  });

  // the in-scope bindings were copied into every element that declares a namespace: 10 000 declarations
  // on the root and 10 000 children declaring one more each (under 1 MB) took tens of seconds
  it('reads and serialises many namespace declarations on many elements in linear time', () => {
    const n = 10_000;
    const decls = Array.from({ length: n }, (_, i) => ` xmlns:p${i}="urn:p${i}"`).join('');
    const kids = Array.from({ length: n }, (_, i) => `<q${i}:c xmlns:q${i}="urn:q${i}"/>`).join('');
    const started = performance.now();
    const root = parseXmlTree(`<r${decls}>${kids}</r>`);
    const back = parseXmlTree(serializeElement(root));
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(back.children).toHaveLength(n);
    expect(back.children[n - 1]).toMatchObject({ ns: `urn:q${n - 1}`, local: 'c' });
    expect(back.scope.get('p0')).toBe('urn:p0');
  });

  // an 8 MB body of empty elements took 2 GB of heap; the default body limit's worth ran the hub out of memory
  it('refuses more than 100 000 elements before building them', () => {
    const fault = (() => {
      try {
        parseXmlTree(`<r>${'<a/>'.repeat(100_000)}</r>`);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(fault).toBeInstanceOf(XtaFault);
    expect((fault as XtaFault).fehlernummer).toBe('9052');
    expect((fault as XtaFault).message).toMatch(/more than 100000 elements/);
    expect(parseXmlTree(`<r>${'<a/>'.repeat(99_999)}</r>`).children).toHaveLength(99_999);
  });
});
