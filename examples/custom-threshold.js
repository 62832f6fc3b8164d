// A custom metric with its own thresholds, including a sub-metric selected by
// tag and an abortOnFail threshold that stops the test early.
//
//   stampede run --embedded-target examples/custom-threshold.js
import http from 'k6/http';
import { Trend } from 'k6/metrics';

const healthLatency = new Trend('health_latency', true);

export const options = {
  vus: 5,
  duration: '5s',
  thresholds: {
    health_latency: ['p(99)<50', 'avg<20'],
    'http_req_duration{name:healthz}': [{ threshold: 'p(95)<100', abortOnFail: true, delayAbortEval: '2s' }],
  },
};

export default function () {
  const res = http.get(`${__ENV.BASE_URL}/healthz`, { tags: { name: 'healthz' } });
  healthLatency.add(res.timings.duration);
}
