// Type definitions for Stampede's k6/x/prom module.
// Use next to @types/k6: add this folder to "typeRoots" or reference it with
// /// <reference path="types/k6-x-prom/index.d.ts" />.

declare module "k6/x/prom" {
    /** The default request timeout: "10s". */
    export const DEFAULT_TIMEOUT: string;

    /**
     * What snapshot() reads when given no queries: redis_connected_clients,
     * redis_used_memory_bytes, pg_stat_database_xact_commit,
     * pg_stat_database_blks_read.
     */
    export const DEFAULT_SNAPSHOT_QUERIES: string[];

    /** A k6 duration: a string such as "250ms" or "1m30s", or milliseconds. */
    export type Duration = string | number;

    /**
     * A point in time: a Date, Unix seconds (a number or a numeric string),
     * or a date string such as RFC 3339 ("2024-05-01T12:00:00Z").
     */
    export type Time = Date | number | string;

    /** A series' labels, __name__ included. */
    export type Labels = Record<string, string>;

    export interface ClientConfig {
        /** Prometheus's base URL, e.g. "http://127.0.0.1:9090" (a path prefix is kept). */
        url: string;
        /** Sent as "Authorization: Bearer <token>"; never logged. */
        bearerToken?: string;
        /** Per-request timeout; default "10s". */
        timeout?: Duration;
        /** Extra headers on every request (e.g. X-Scope-OrgID). Not with bearerToken and Authorization both. */
        headers?: Record<string, string>;
    }

    /** One series' value at one instant. */
    export interface Sample {
        metric: Labels;
        /** The value; NaN and ±Infinity are possible. */
        value: number;
        /** Unix seconds (millisecond precision). */
        timestamp: number;
    }

    /** One series of a range query: [Unix seconds, value] pairs. */
    export interface Series {
        metric: Labels;
        values: Array<[number, number]>;
    }

    /** name -> value; NaN where the query failed or returned no series. */
    export type Snapshot = Record<string, number>;

    /**
     * A Prometheus client. Failures never throw: each failed call logs a
     * warning (once per client, operation and reason, never with the token),
     * adds 1 to the prom_query_errors counter (tagged op and reason) and
     * returns an empty result ([] or NaN). A query returning no series warns
     * once and suggests close metric names ("did you mean ...?").
     * Clients with the same options share connections and warnings within a
     * test run. Requests record no http_req_* samples.
     */
    export class Client {
        /** Throws on an invalid config (every problem listed at once). */
        constructor(config: ClientConfig);

        /** The base URL (password hidden). */
        readonly url: string;

        /**
         * Evaluates an instant query at options.time (default now): one Sample
         * per series, sorted by labels. A scalar result is one Sample with no labels.
         */
        query(query: string, options?: { time?: Time }): Sample[];

        /** Evaluates a range query: one Series per series, sorted by labels. */
        queryRange(query: string, options: { start: Time; end: Time; step: Duration }): Series[];

        /**
         * Evaluates query now as one number: a scalar, or a one-series vector.
         * NaN for no series or an error; several series are an error (aggregate them).
         */
        scalar(query: string): number;

        /**
         * Evaluates each query now (concurrently) and returns name -> the sum
         * over its series. queries: PromQL expressions (each named after
         * itself) or {name: expression}; default DEFAULT_SNAPSHOT_QUERIES.
         */
        snapshot(queries?: string[] | Record<string, string>): Snapshot;

        /** after - before for every name of either; NaN where one side lacks it. */
        diff(before: Snapshot, after: Snapshot): Snapshot;
    }

    /** after - before for every name of either; NaN where one side lacks it. */
    export function diff(before: Snapshot, after: Snapshot): Snapshot;

    /** The metric names a PromQL expression selects (a lexical scan). */
    export function metricNamesInQuery(query: string): string[];

    /** Up to n (default 3) names of known that are close to name, best first. */
    export function suggestMetricNames(name: string, known: string[], n?: number): string[];

    const prom: {
        Client: typeof Client;
        diff: typeof diff;
        DEFAULT_SNAPSHOT_QUERIES: string[];
        DEFAULT_TIMEOUT: string;
    };
    export default prom;
}
