import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { inspectContent } from '@weiche/xoev';
import { attachmentFacts } from './attachment-facts.js';

const pdf = Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< >>\nendobj\n%%EOF\n', 'latin1');

describe('attachmentFacts', () => {
  it('takes the facts the channel handed over and does not read the attachment again', async () => {
    const facts = await inspectContent(pdf, 'application/pdf');
    let opened = 0;
    const a = {
      mimeType: 'application/pdf',
      facts,
      open: () => {
        opened++;
        return Readable.from([pdf]);
      },
    };
    expect(await attachmentFacts(a)).toBe(facts);
    expect(opened).toBe(0);
  });

  it('reads the bytes when the channel took no facts', async () => {
    let opened = 0;
    const facts = await attachmentFacts({
      mimeType: 'application/pdf',
      open: () => {
        opened++;
        return Readable.from([pdf]);
      },
    });
    expect(opened).toBe(1);
    expect(facts).toMatchObject({ mimeType: 'application/pdf', pdfVersion: '1.4', size: pdf.length });
  });
});
