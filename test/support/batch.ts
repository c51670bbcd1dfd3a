import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import type { TestSender } from './fit-connect-sender.js';
import { SERVICE } from './test-config.js';

/** Sends `count` small submissions (JSON data + one attachment) with `parallel` concurrent senders. */
export async function sendBatch(sender: TestSender, destinationId: string, count: number, parallel = 6): Promise<Array<{ submissionId: string; caseId: string }>> {
  const results: Array<{ submissionId: string; caseId: string }> = [];
  let next = 0;
  async function lane(): Promise<void> {
    while (next < count) {
      const index = next++;
      const sent = await sender.send({
        destinationId,
        serviceIdentifier: SERVICE,
        data: Buffer.from(JSON.stringify({ laufnummer: index, vorhaben: 'Gartenhaus' })),
        attachments: [{ content: randomBytes(2048), filename: `anlage-${index}.pdf`, mimeType: 'application/pdf' }],
      });
      if (sent.statuses.submit !== 202) throw new Error(`submission ${index} answered ${sent.statuses.submit}`);
      results.push({ submissionId: sent.submissionId, caseId: sent.caseId });
    }
  }
  await Promise.all(Array.from({ length: parallel }, () => lane()));
  return results;
}

export async function zipsIn(dir: string): Promise<string[]> {
  const files = await readdir(dir).catch(() => [] as string[]);
  return files.filter((f) => f.endsWith('.zip'));
}
