// video-session-sustain: hold SESSION_VUS users in one shared queue so that
// about SESSION_VUS/2 video sessions run at once, topping up tokens as needed.
//
//   BASE_URL=... STRIPE_WEBHOOK_SECRET=whsec_... stampede run scripts/video-session-sustain.js
//   stampede run --embedded-target scripts/video-session-sustain.js
//
// Each VU joins the shared queue, waits for its match, holds the session for
// SESSION_HOLD_SECONDS, leaves, and every BALANCE_CHECK_EVERY iterations
// checks its balance and buys TOP_UP_TOKENS with a signed webhook when it
// could run out. It reports sessions_started and sessions_concurrent.
import http from 'k6/http';
import { sleep } from 'k6';
import exec from 'k6/execution';
import { Counter, Gauge } from 'k6/metrics';
import { Client } from 'k6/x/queue';
import * as env from './lib/env.js';
import { thresholds } from './lib/thresholds.js';
import { buyTokens } from './lib/users.js';
import { promClient, snapshotStart, reportEnd } from './lib/prom.js';

const cfg = env.common('shared');
if (cfg.mode !== 'shared') {
  throw new Error(`QUEUE_MODE=${cfg.mode}: video-session-sustain pairs users into sessions, which needs QUEUE_MODE=shared`);
}
const SESSION_VUS = env.number('SESSION_VUS', 2000, { integer: true, min: 2 });
const RAMP_UP = env.duration('RAMP_UP', '5m');
const HOLD = env.duration('HOLD', '10m');
const RAMP_DOWN = env.duration('RAMP_DOWN', '2m');
const SESSION_HOLD_SECONDS = env.number('SESSION_HOLD_SECONDS', 45, { integer: true, min: 1, max: 3600 });
const AUTO_TOP_UP = env.flag('AUTO_TOP_UP', true);
const TOP_UP_TOKENS = env.number('TOP_UP_TOKENS', 5, { integer: true, min: 1, max: 1000 });
const BALANCE_CHECK_EVERY = env.number('BALANCE_CHECK_EVERY', 3, { integer: true, min: 1 });
const MATCH_TIMEOUT = env.duration('MATCH_TIMEOUT', '60s');

export const options = {
  thresholds: thresholds(true),
};
if (!cfg.useSimple) {
  const stages = [{ duration: RAMP_UP, target: SESSION_VUS }];
  if (!env.isZero(HOLD)) stages.push({ duration: HOLD, target: SESSION_VUS });
  stages.push({ duration: RAMP_DOWN, target: 0 });
  options.scenarios = {
    video_session_sustain: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages,
      // Let a ramped-down VU finish the session it holds.
      gracefulRampDown: `${SESSION_HOLD_SECONDS + 15}s`,
    },
  };
}

const sessionsStarted = new Counter('sessions_started');
const sessionsConcurrent = new Gauge('sessions_concurrent');

const queue = new Client({ baseUrl: cfg.baseUrl, region: cfg.region, mode: 'shared' });
const prom = promClient(cfg);

let user = null;
let iteration = 0;
let canReadMetrics = true;

export function setup() {
  return { prom: snapshotStart(prom) };
}

// Tops up when the balance could not pay for the next BALANCE_CHECK_EVERY sessions.
function topUpIfLow() {
  const b = queue.balance(user);
  if (!b.ok || b.tokens >= BALANCE_CHECK_EVERY) return;
  let need = BALANCE_CHECK_EVERY - b.tokens;
  do {
    if (!buyTokens(cfg, user, TOP_UP_TOKENS)) return;
    need -= TOP_UP_TOKENS;
  } while (need > 0);
}

// One VU in a hundred samples the API's own count of active sessions
// (GET /metrics) once per session it holds.
function sampleConcurrentSessions() {
  if (!canReadMetrics || exec.vu.idInTest % 100 !== 1) return;
  const res = http.get(`${cfg.baseUrl}/metrics`, {
    tags: { name: 'GET /metrics' },
    responseCallback: http.expectedStatuses(200, 404),
  });
  const m = res.status === 200 && /^staging_sessions_active\s+([0-9.eE+-]+)$/m.exec(res.body);
  if (!m) {
    canReadMetrics = false; // this API does not expose it: stop asking
    return;
  }
  sessionsConcurrent.add(Number(m[1]));
}

export default function () {
  if (user === null) {
    const u = queue.anonymousUser();
    if (!u.ok) {
      sleep(1);
      return;
    }
    user = u;
    buyTokens(cfg, user, Math.max(TOP_UP_TOKENS, BALANCE_CHECK_EVERY));
  }
  if (AUTO_TOP_UP && iteration % BALANCE_CHECK_EVERY === 0) topUpIfLow();
  iteration++;

  const joined = queue.join(user, { sessionSeconds: SESSION_HOLD_SECONDS });
  if (!joined.ok) {
    sleep(env.thinkTime(cfg));
    return;
  }
  const match = queue.waitForMatch(user, { timeout: MATCH_TIMEOUT, pollInterval: '250ms' });
  if (!match.ok) {
    queue.leave(user);
    return;
  }
  // Both participants see the match; count each session once.
  if (!match.peerId || user.userId < match.peerId) sessionsStarted.add(1);
  sampleConcurrentSessions();
  sleep(SESSION_HOLD_SECONDS);
  queue.leave(user);
}

export function teardown(data) {
  reportEnd(prom, data && data.prom);
}
