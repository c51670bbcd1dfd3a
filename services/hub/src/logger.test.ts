import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

describe('createLogger', () => {
  it('keeps what a sender wrote about its files and case out of a log line, wherever it is given whole', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
    const attachment = { attachmentId: 'a-1', filename: 'Mustermann-Erika-Geburtsurkunde.pdf', description: 'Geburtsurkunde von Erika Mustermann', mimeType: 'application/pdf' };
    log.info({ submissionId: 's-1', attachment, senderReference: 'AZ Mustermann 7' }, 'attachment');
    log.info({ ...attachment }, 'attachment, flat');
    const text = lines.join('');
    expect(text).toContain('"submissionId":"s-1"');
    expect(text).toContain('"attachmentId":"a-1"');
    expect(text).not.toContain('Mustermann');
  });
});
