/**
 * The Node.js/V8 flags the hub is started with (deploy/Dockerfile, deploy/kubernetes, `npm start`, the tests'
 * and benchmarks' hub processes). V8 sizes its heap when the process starts, so the hub cannot set them for itself.
 *
 * `--max-semi-space-size=4`: the young generation at most 2 × 4 MiB instead of V8's 2 × 16 MiB. The hub's young
 * objects die young (requests, stream chunks), so the larger one mostly held garbage: peak RSS with a 500 MiB
 * attachment ~25–35 MiB lower, the idle hub ~23 MiB (docs/benchmarks.md, P3).
 */
export const HUB_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];

/** The flags of HUB_NODE_FLAGS this process was started without (on the command line or in NODE_OPTIONS). */
export function missingNodeFlags(execArgv: readonly string[] = process.execArgv, nodeOptions: string = process.env.NODE_OPTIONS ?? ''): string[] {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)].map((flag) => flag.split('=')[0]);
  return HUB_NODE_FLAGS.filter((flag) => !given.includes(flag.split('=')[0]));
}
