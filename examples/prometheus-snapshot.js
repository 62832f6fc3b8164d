// A Prometheus snapshot before and after the run, and the deltas.
//
//   PROMETHEUS_URL=http://127.0.0.1:9090 stampede run examples/prometheus-snapshot.js
//
// Prometheus being down never fails the test: you get a warning and empty values.
import { sleep } from 'k6';
import { Client } from 'k6/x/prom';

const prom = new Client({ url: __ENV.PROMETHEUS_URL || 'http://127.0.0.1:9090', timeout: '5s' });

export function setup() {
  return prom.snapshot(); // the four seed metrics: Redis clients and memory, Postgres commits and block reads
}

export default function () {
  sleep(1);
}

export function teardown(before) {
  const after = prom.snapshot();
  console.log(JSON.stringify(prom.diff(before, after)));
  // Any PromQL works too:
  console.log(JSON.stringify(prom.query('up')));
}
