// The image's HEALTHCHECK: exit 0 when the hub's /readyz answers 200, else 1. Plain Node (the image
// has no curl). A process with an HTTP role serves /readyz on server.port (PORT); a worker-only process
// (processor, dispatcher) on server.healthPort (WEICHE_HEALTH_PORT). Both as the hub resolves them: from the
// config file WEICHE_CONFIG names, the env variables over it (a `--config` argument of the hub's command is
// not visible here: use WEICHE_CONFIG, or set the ports in the env). The first port that answers at all decides.
const { serviceEndpoints } = await import(new URL('../packages/config/dist/index.js', import.meta.url).href);

let server;
try {
  ({ server } = serviceEndpoints(process.env.WEICHE_CONFIG || undefined));
} catch (error) {
  console.log(`readyz: cannot read the ports from ${process.env.WEICHE_CONFIG}: ${error.message}`);
  process.exit(1);
}
const ports = [server.healthPort, server.port].filter((p) => p !== undefined);

for (const port of ports) {
  let response;
  try {
    response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(4000) });
  } catch {
    continue; // nothing listens on this port (or it did not answer in time): try the next
  }
  console.log(`readyz on port ${port}: ${response.status}`);
  process.exit(response.status === 200 ? 0 : 1);
}
console.log(`readyz: no answer on port ${ports.join(' or ')}`);
process.exit(1);
