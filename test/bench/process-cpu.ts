import { readFile } from 'node:fs/promises';

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; undefined off Linux. */
export async function processCpuSeconds(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // fields after the parenthesised command name (which may contain spaces): utime is #14, stime #15 (proc(5))
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    // USER_HZ is 100 on every Linux ABI Node supports
    return Number.isFinite(ticks) ? ticks / 100 : undefined;
  } catch {
    return undefined;
  }
}

/** Process ids whose command name (/proc/<pid>/comm) is one of `names`, e.g. the PostgreSQL backends. */
export async function pidsNamed(names: readonly string[]): Promise<number[]> {
  const { readdir } = await import('node:fs/promises');
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((d) => /^\d+$/.test(d));
  const found = await Promise.all(
    pids.map(async (pid) => {
      const comm = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim();
      return names.includes(comm) ? Number(pid) : undefined;
    }),
  );
  return found.filter((pid): pid is number => pid !== undefined);
}

/**
 * CPU seconds used so far by every process with one of these command names. Processes that start or end
 * between two readings (PostgreSQL backends come and go) are only counted while they live; the hub keeps
 * its pool connections open, so the backends that serve it are counted.
 */
export async function cpuSecondsOfNamed(names: readonly string[]): Promise<Map<number, number>> {
  const pids = await pidsNamed(names);
  const entries = await Promise.all(pids.map(async (pid) => [pid, await processCpuSeconds(pid)] as const));
  return new Map(entries.filter((e): e is readonly [number, number] => e[1] !== undefined));
}

/** CPU seconds between two readings of cpuSecondsOfNamed (processes present in the second reading). */
export function cpuDelta(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number {
  let sum = 0;
  for (const [pid, s] of after) sum += s - (before.get(pid) ?? 0);
  return sum;
}
