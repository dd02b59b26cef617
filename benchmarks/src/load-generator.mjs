// Runs one autocannon load in its own process (so the load generator, and its TLS client work, do not
// share the event loop of the server under test) and prints the summary as one JSON line.
// Usage: node load-generator.mjs '<autocannon options as JSON>'
import autocannon from 'autocannon';

const result = await autocannon(JSON.parse(process.argv[2]));
process.stdout.write(
  `${JSON.stringify({
    rps: result.requests.average,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  })}\n`,
);
