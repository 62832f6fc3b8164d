// queue-concurrency: ramp to TARGET_VUS users joining and leaving the
// matchmaking queue, then ramp down.
//
//   BASE_URL=https://staging.example.com STRIPE_WEBHOOK_SECRET=whsec_... \
//     stampede run scripts/queue-concurrency.js
//   stampede run --embedded-target scripts/queue-concurrency.js
//
// Each VU creates its anonymous user once, seeds its tokens with a signed
// Stripe webhook (SEED_TOKENS=1), then joins and leaves the queue with think
// time in between. Knobs and defaults: see README ("Scenarios").
import { sleep } from 'k6';
import { Client } from 'k6/x/queue';
import * as env from './lib/env.js';
import { thresholds } from './lib/thresholds.js';
import { buyTokens } from './lib/users.js';
import { promClient, snapshotStart, reportEnd } from './lib/prom.js';

const cfg = env.common('isolated');
const TARGET_VUS = env.number('TARGET_VUS', 10000, { integer: true, min: 1 });
const RAMP_UP = env.duration('RAMP_UP', '10m');
const HOLD = env.duration('HOLD', '0m');
const RAMP_DOWN = env.duration('RAMP_DOWN', '2m');
const TOKENS_PER_USER = env.number('TOKENS_PER_USER', 2, { integer: true, max: 1000 });
const SEED_TOKENS = env.flag('SEED_TOKENS', true);

function stages() {
  const s = [{ duration: RAMP_UP, target: TARGET_VUS }];
  if (!env.isZero(HOLD)) s.push({ duration: HOLD, target: TARGET_VUS });
  s.push({ duration: RAMP_DOWN, target: 0 });
  return s;
}

export const options = {
  thresholds: thresholds(true),
};
if (!cfg.useSimple) {
  options.scenarios = {
    queue_concurrency: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: stages(),
      gracefulRampDown: '30s',
    },
  };
}

const queue = new Client({ baseUrl: cfg.baseUrl, region: cfg.region, mode: cfg.mode });
const prom = promClient(cfg);

// This VU's user, created on its first iteration.
let user = null;

export function setup() {
  return { prom: snapshotStart(prom) };
}

function ensureUser() {
  if (user !== null) return true;
  const u = queue.anonymousUser();
  if (!u.ok) return false;
  user = u;
  if (SEED_TOKENS && TOKENS_PER_USER > 0) {
    buyTokens(cfg, user, TOKENS_PER_USER);
  }
  return true;
}

export default function () {
  if (!ensureUser()) {
    sleep(env.thinkTime(cfg));
    return;
  }
  if (cfg.mode === 'shared') {
    // A shared queue matches users into sessions that cost a token each:
    // top up before joining so the join is never refused for lack of tokens.
    const b = queue.balance(user);
    if (b.ok && b.tokens < 1) buyTokens(cfg, user, Math.max(TOKENS_PER_USER, 1));
  }
  queue.join(user);
  sleep(env.thinkTime(cfg));
  queue.leave(user);
  sleep(env.thinkTime(cfg));
}

export function teardown(data) {
  reportEnd(prom, data && data.prom);
}
