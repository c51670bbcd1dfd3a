import { setTimeout as sleep } from 'node:timers/promises';

const HOUR = 3600_000;

/** The last millisecond of the UTC hour (and so of the day) that holds `at`. */
export function lastMsOfHour(at: number): number {
  return (Math.floor(at / HOUR) + 1) * HOUR - 1;
}

/**
 * For a test whose data must all fall into one hour (hourly charts, "this hour"): when the next full hour
 * is less than `neededMs` away, waits until it has begun, so the data made within `neededMs` from now lies
 * in one hour whatever minute the test run reaches this point. Returns the time the data may start.
 */
export async function clearOfHourEnd(neededMs: number): Promise<number> {
  if (neededMs >= HOUR) throw new Error(`clearOfHourEnd: ${neededMs} ms do not fit into an hour`);
  const left = lastMsOfHour(Date.now()) + 1 - Date.now();
  if (left < neededMs) await sleep(left + 50);
  return Date.now();
}
