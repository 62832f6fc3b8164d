// The pass/fail criteria QA agreed on for the staging API.

/** Thresholds for a scenario; withQueue adds the queue join latency goal. */
export function thresholds(withQueue) {
  const t = {
    http_req_duration: ['p(95)<100'],
    http_req_failed: ['rate<0.001'],
    error_rate: ['rate<0.001'],
  };
  if (withQueue) {
    t.queue_join_latency = ['p(95)<3000'];
  }
  return t;
}
