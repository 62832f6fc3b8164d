// A matchmaking queue round trip with k6/x/queue: create a user, join,
// check the status, leave. queue_join_latency and error_rate are recorded.
//
//   stampede run --embedded-target examples/queue-round-trip.js
import { check } from 'k6';
import { Client } from 'k6/x/queue';

const queue = new Client({ baseUrl: __ENV.BASE_URL, region: 'australiaCentral', mode: 'isolated' });

export const options = {
  iterations: 5,
  thresholds: { queue_join_latency: ['p(95)<3000'], error_rate: ['rate<0.001'] },
};

export default function () {
  const user = queue.anonymousUser();
  const joined = queue.join(user);
  check(joined, { joined: (j) => j.ok && j.status === 'waiting' });
  check(queue.status(user), { waiting: (s) => s.ok && s.status === 'waiting' });
  check(queue.leave(user), { left: (l) => l.ok });
}
