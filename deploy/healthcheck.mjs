// The image's HEALTHCHECK: exit 0 when the hub's /readyz answers 200, else 1. Plain Node (the image
// has no curl). A process with an HTTP role serves /readyz on PORT; a worker-only process (processor,
// dispatcher) on WEICHE_HEALTH_PORT. The first port that answers at all decides.
const ports = [process.env.WEICHE_HEALTH_PORT, process.env.PORT ?? '8080'].filter((p) => p !== undefined && p !== '');

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
