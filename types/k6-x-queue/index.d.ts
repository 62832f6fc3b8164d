// Type definitions for Stampede's k6/x/queue module.
// Use next to @types/k6: add this folder to "typeRoots" or reference it with
// /// <reference path="types/k6-x-queue/index.d.ts" />.

declare module "k6/x/queue" {
    /** The region joins use unless told otherwise: "australiaCentral". */
    export const DEFAULT_REGION: string;
    /** The mode joins use unless told otherwise: "shared". */
    export const DEFAULT_MODE: "shared";
    /** The staging API's routes. */
    export const DEFAULT_PATHS: Readonly<Required<Paths>>;

    /** A k6 duration: a string such as "250ms" or "1m30s", or milliseconds. */
    export type Duration = string | number;

    /** Routes relative to baseUrl, each starting with "/". */
    export interface Paths {
        /** POST, creates an anonymous user. Default "/auth/anonymous". */
        anonymous?: string;
        /** GET, the user's account and tokens. Default "/me". */
        me?: string;
        /** POST, joins the queue. Default "/queue/join". */
        join?: string;
        /** POST, leaves the queue or ends the session. Default "/queue/leave". */
        leave?: string;
        /** GET, the user's queue status. Default "/queue/status". */
        status?: string;
    }

    export interface ClientConfig {
        /** The staging API's base URL (http or https). */
        baseUrl: string;
        /** Sent with every join and tagged on every sample; default DEFAULT_REGION; at most 64 characters. */
        region?: string;
        /** "isolated" (a queue of one, never matched, free) or "shared"; default "shared". */
        mode?: "isolated" | "shared";
        /** Overrides of the routes, for an API that names them differently. */
        paths?: Paths;
        /** Per-request timeout; default "60s". */
        timeout?: Duration;
    }

    /**
     * A failed call: status is the HTTP status (0 when no answer came), error
     * the API's machine code ("insufficient_tokens", "already_queued", ...) or
     * "unexpected_status", "malformed_response", "timeout" (no match in
     * time), "not_waiting", "canceled", or the network error's message.
     */
    export interface Failure {
        ok: false;
        status: number;
        error: string;
        message?: string;
    }

    /** A user from anonymousUser(): pass it to the other methods. */
    export interface User {
        userId: string;
        /** The bearer token; the module never logs it. */
        token: string;
    }

    export interface NewUser extends User {
        ok: true;
    }

    /** The queue or account state the API reports. */
    export type State = "idle" | "waiting" | "matched" | "in_session";

    export interface Joined {
        ok: true;
        status: "waiting";
        queueKey: string;
        position: number;
        [field: string]: unknown;
    }

    export interface QueueStatus {
        ok: true;
        status: "idle" | "waiting" | "matched";
        position?: number;
        sessionId?: string;
        peerId?: string;
        [field: string]: unknown;
    }

    export interface Matched extends QueueStatus {
        status: "matched";
        sessionId: string;
        peerId: string;
    }

    export interface Left {
        ok: true;
        status: "idle";
        [field: string]: unknown;
    }

    export interface Balance {
        ok: true;
        userId: string;
        tokens: number;
        status: "idle" | "waiting" | "in_session";
        sessionId: string | null;
        [field: string]: unknown;
    }

    export interface JoinOptions {
        /** Hold time of the session this join leads to, 1..3600 whole seconds (staging-only). */
        sessionSeconds?: number;
    }

    export interface WaitOptions {
        /** How long to wait for the match; default "60s". */
        timeout?: Duration;
        /** Time between status polls; default "250ms". */
        pollInterval?: Duration;
    }

    /**
     * A client of the staging API's matchmaking queue. Requests go through
     * k6/http (each records http_req_* samples, named "<METHOD> <path>" and
     * tagged region and mode). Metrics, tagged region and mode:
     * queue_join_latency (send to acknowledgement, 429/503 retries with
     * jittered backoff included), queue_match_latency (join acknowledgement
     * to the poll that saw the match), queue_leave_latency, and error_rate
     * (one sample per call, tagged op). Errors are data ({ok: false, ...});
     * only misuse throws (bad config, a user without token, a request in the
     * init context).
     */
    export class Client {
        /** Throws on an invalid config (every problem listed at once). */
        constructor(config: ClientConfig);

        readonly baseUrl: string;
        readonly region: string;
        readonly mode: "isolated" | "shared";

        /** POST /auth/anonymous: a new user. */
        anonymousUser(): NewUser | Failure;

        /** POST /queue/join in the client's region and mode. */
        join(user: User, options?: JoinOptions): Joined | Failure;

        /** POST /queue/leave (idempotent; ends a session for both users). */
        leave(user: User): Left | Failure;

        /** GET /queue/status. */
        status(user: User): QueueStatus | Failure;

        /**
         * Polls the status until "matched" (then records queue_match_latency),
         * failing with "timeout" or, when the user is neither waiting nor
         * matched, "not_waiting".
         */
        waitForMatch(user: User, options?: WaitOptions): Matched | Failure;

        /** GET /me: the user's tokens and state. */
        balance(user: User): Balance | Failure;
    }

    const queue: {
        Client: typeof Client;
        DEFAULT_REGION: string;
        DEFAULT_MODE: "shared";
        DEFAULT_PATHS: Readonly<Required<Paths>>;
    };
    export default queue;
}
