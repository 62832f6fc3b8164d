// token-purchase-spike: spike POST /webhooks/stripe with validly signed
// checkout.session.completed events at a ramping arrival rate.
//
//   BASE_URL=... STRIPE_WEBHOOK_SECRET=whsec_... stampede run scripts/token-purchase-spike.js
//   stampede run --embedded-target scripts/token-purchase-spike.js
//
// setup() creates SEED_USER_COUNT anonymous users; every iteration posts one
// event with a unique id crediting TOKENS_PER_EVENT tokens to one of them.
import { check } from 'k6';
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
import { Client } from 'k6/x/queue';
import * as env from './lib/env.js';
import { thresholds } from './lib/thresholds.js';
import { buyTokens } from './lib/users.js';
import { promClient, snapshotStart, reportEnd } from './lib/prom.js';

const cfg = env.common('shared');
const BASE_RATE = env.number('BASE_RATE', 20, { integer: true });
const SPIKE_RATE = env.number('SPIKE_RATE', 400, { integer: true, min: 1 });
const RAMP_UP = env.duration('RAMP_UP', '1m');
const SPIKE_HOLD = env.duration('SPIKE_HOLD', '2m');
const RAMP_DOWN = env.duration('RAMP_DOWN', '1m');
const PREALLOCATED_VUS = env.number('PREALLOCATED_VUS', 800, { integer: true, min: 1 });
const MAX_VUS = env.number('MAX_VUS', 1200, { integer: true, min: 1 });
const SEED_USER_COUNT = env.number('SEED_USER_COUNT', 100, { integer: true, min: 1 });
const TOKENS_PER_EVENT = env.number('TOKENS_PER_EVENT', 5, { integer: true, min: 1, max: 1000 });
if (MAX_VUS < PREALLOCATED_VUS) {
  throw new Error(`MAX_VUS=${MAX_VUS} must not be less than PREALLOCATED_VUS=${PREALLOCATED_VUS}`);
}

export const options = {
  thresholds: thresholds(false),
  setupTimeout: '120s',
};
if (!cfg.useSimple) {
  const stages = [{ duration: RAMP_UP, target: SPIKE_RATE }];
  if (!env.isZero(SPIKE_HOLD)) stages.push({ duration: SPIKE_HOLD, target: SPIKE_RATE });
  stages.push({ duration: RAMP_DOWN, target: BASE_RATE });
  options.scenarios = {
    token_purchase_spike: {
      executor: 'ramping-arrival-rate',
      startRate: BASE_RATE,
      timeUnit: '1s',
      preAllocatedVUs: PREALLOCATED_VUS,
      maxVUs: MAX_VUS,
      stages,
    },
  };
}

const webhooksAccepted = new Counter('webhooks_accepted');
const queue = new Client({ baseUrl: cfg.baseUrl, region: cfg.region, mode: cfg.mode });
const prom = promClient(cfg);

export function setup() {
  const users = [];
  for (let i = 0; i < SEED_USER_COUNT; i++) {
    const u = queue.anonymousUser();
    if (u.ok) users.push({ userId: u.userId });
  }
  if (users.length === 0) {
    throw new Error(`could not create any user at ${cfg.baseUrl}/auth/anonymous`);
  }
  return { users, prom: snapshotStart(prom) };
}

export default function (data) {
  const users = data.users;
  // iterationInTest is unique across the whole (possibly distributed) run.
  const user = users[exec.scenario.iterationInTest % users.length];
  const ok = buyTokens(cfg, user, TOKENS_PER_EVENT);
  if (ok) webhooksAccepted.add(1);
  check(ok, { 'webhook credited': (v) => v === true });
}

export function teardown(data) {
  reportEnd(prom, data && data.prom);
}
