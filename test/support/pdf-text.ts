import { spawn } from 'node:child_process';

/** The text of a PDF as poppler's pdftotext reads it (content-stream order, whitespace normalised to single spaces). */
export async function pdfText(pdf: Buffer): Promise<string> {
  const child = spawn('pdftotext', ['-raw', '-enc', 'UTF-8', '-', '-'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const out: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(c));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  child.stdin.end(pdf);
  const code = await exited;
  if (code !== 0) throw new Error(`pdftotext exited with ${code}`);
  return Buffer.concat(out).toString('utf8').replace(/\s+/g, ' ');
}
