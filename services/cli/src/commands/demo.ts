import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** `weiche demo`: prints the running demo's sender credentials. */
export async function demo(): Promise<number> {
  const file = join(resolve(process.env.WEICHE_DATA_DIR ?? '.weiche'), 'demo.json');
  console.log(await readFile(file, 'utf8').catch(() => `no ${file} yet: start the hub with \`npm start\` first`));
  return 0;
}
