import { describe, it, expect } from 'vitest';
import { joinMultipart, normalizeContentId, parseMediaType, splitMultipart } from './mime-multipart.js';
import { XtaFault } from './xta-errors.js';

describe('mime multipart', () => {
  it('parses quoted parameters with escapes', () => {
    const m = parseMediaType('Multipart/Related; type="application/xop+xml"; start="<a@b>"; start-info="application/soap+xml; action=\\"urn:x\\""; boundary=abc');
    expect(m.type).toBe('multipart/related');
    expect(m.params.get('start')).toBe('<a@b>');
    expect(m.params.get('start-info')).toBe('application/soap+xml; action="urn:x"');
    expect(m.params.get('boundary')).toBe('abc');
  });

  it('round-trips binary parts and normalises cid URLs', () => {
    const bin = Buffer.from([0, 13, 10, 45, 45, 255]);
    const body = joinMultipart('bnd', [
      { headers: { 'Content-ID': '<root@x>', 'Content-Type': 'application/xop+xml' }, body: Buffer.from('<r/>') },
      { headers: { 'Content-ID': '<a b@x>' }, body: bin },
    ]);
    const parts = splitMultipart(body, 'bnd', 5);
    expect(parts.map((p) => p.contentId)).toEqual(['root@x', 'a b@x']);
    expect(parts[1]?.body.equals(bin)).toBe(true);
    expect(normalizeContentId('cid:a%20b%40x')).toBe('a b@x');
  });

  it('refuses a body without its boundary, unclosed bodies and too many parts', () => {
    expect(() => splitMultipart(Buffer.from('nothing here'), 'bnd', 5)).toThrow(XtaFault);
    expect(() => splitMultipart(Buffer.from('--bnd\r\n\r\nabc'), 'bnd', 5)).toThrow(/not closed/);
    const many = joinMultipart('bnd', Array.from({ length: 4 }, () => ({ headers: {}, body: Buffer.from('x') })));
    expect(() => splitMultipart(many, 'bnd', 3)).toThrow(/more than 3 parts/);
  });

  it('decodes base64 parts with MIME line breaks and refuses damaged ones with 9052 instead of other bytes', () => {
    const bin = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7) % 256));
    const part = (text: string): Buffer =>
      joinMultipart('bnd', [{ headers: { 'Content-ID': '<a@x>', 'Content-Transfer-Encoding': 'base64' }, body: Buffer.from(text, 'latin1') }]);
    const lines = bin.toString('base64').replace(/.{1,76}/g, '$&\r\n');
    expect(splitMultipart(part(lines), 'bnd', 5)[0]?.body.equals(bin)).toBe(true);
    // Node's decoder skips the "!" and the "ä" and would hand on bytes nobody sent
    for (const damaged of [lines.replace('A', '!'), `${lines}\u00e4`, lines.slice(0, 10) + '-' + lines.slice(11)]) {
      let fault: unknown;
      try {
        splitMultipart(part(damaged), 'bnd', 5);
      } catch (e) {
        fault = e;
      }
      expect(fault).toBeInstanceOf(XtaFault);
      expect((fault as XtaFault).fehlernummer).toBe('9052');
      expect((fault as XtaFault).message).toBe('MIME part 1 is not valid base64');
    }
  });
});
