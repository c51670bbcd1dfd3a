/**
 * The hub's background loops (reconcilers, janitor, retention, audit checkpoints) share one shape: a pass
 * every interval, one at a time — a slow pass delays the next instead of overlapping it — and stop() waits
 * for the pass in progress, so a shutdown never cuts one in half.
 */
export interface PeriodicOptions {
  /** run a pass at once, not only after the first interval (a process restarting more often than the interval still runs) */
  atStart?: boolean;
  /** run one last pass on stop (e.g. seal what is still unanchored) */
  passOnStop?: boolean;
  /** do not keep the process alive for this timer alone */
  unref?: boolean;
}

/** Runs `pass` every `intervalMs`, serialised. `pass` reports its own errors; a rejection is swallowed here so the chain goes on. */
export function runPeriodically(pass: () => Promise<unknown>, intervalMs: number, options: PeriodicOptions = {}): { stop(): Promise<void> } {
  const safePass = (): Promise<unknown> => pass().catch(() => undefined);
  let running: Promise<unknown> = options.atStart ? safePass() : Promise.resolve();
  const tick = (): Promise<unknown> => (running = running.then(safePass));
  const timer = setInterval(() => void tick(), intervalMs);
  if (options.unref) timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await (options.passOnStop ? tick() : running);
    },
  };
}
