/** The counter weiche_upstream_failures_total of one upstream in a /metrics body: kind → count, in the order exported. */
export function upstreamFailures(body: string, upstream: string): Map<string, number> {
  const line = /^weiche_upstream_failures_total\{upstream="([^"]+)",kind="([^"]+)"\} (\d+)$/gm;
  return new Map([...body.matchAll(line)].filter((m) => m[1] === upstream).map((m) => [m[2] ?? '', Number(m[3])]));
}
