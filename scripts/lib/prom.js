// Prometheus health snapshots at the start and end of a run (optional).
//
// With PROMETHEUS_URL set, setup() takes a snapshot of the four seed metrics
// (Redis and Postgres health), teardown() takes another, and each delta is
// recorded as a gauge `prom_delta_<metric>` so it shows in the summary's
// CUSTOM section. Without PROMETHEUS_URL nothing happens and nothing is shown.
// Prometheus being down never fails the run: the module warns and counts
// prom_query_errors.
import { Gauge } from 'k6/metrics';
import { Client } from 'k6/x/prom';

// The seed's four health metrics (k6/x/prom's default snapshot).
export const SEED_METRICS = [
  'redis_connected_clients',
  'redis_used_memory_bytes',
  'pg_stat_database_xact_commit',
  'pg_stat_database_blks_read',
];

const deltas = {};
for (const name of SEED_METRICS) {
  deltas[name] = new Gauge(`prom_delta_${name}`);
}

/** A Prometheus client for cfg, or null when PROMETHEUS_URL is unset. */
export function promClient(cfg) {
  if (!cfg.prometheusUrl) return null;
  return new Client({ url: cfg.prometheusUrl, bearerToken: cfg.prometheusToken, timeout: '5s' });
}

/** The start-of-run snapshot (null without Prometheus). Call it in setup(). */
export function snapshotStart(client) {
  return client ? client.snapshot() : null;
}

/** Takes the end-of-run snapshot and records the deltas. Call it in teardown(). */
export function reportEnd(client, before) {
  if (!client || !before) return;
  const after = client.snapshot();
  const diff = client.diff(before, after);
  for (const [name, delta] of Object.entries(diff)) {
    if (deltas[name] && Number.isFinite(delta)) {
      deltas[name].add(delta);
    }
  }
  console.info(`prometheus deltas over the run: ${JSON.stringify(diff)}`);
}
