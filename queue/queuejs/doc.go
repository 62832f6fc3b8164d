// Package queuejs is the `k6/x/queue` JavaScript module: package queue's
// matchmaking-queue client for scripts.
//
//	import { Client } from 'k6/x/queue';
//	const queue = new Client({ baseUrl: __ENV.BASE_URL, mode: 'isolated' });
//	export default function () {
//	  const user = queue.anonymousUser();
//	  if (!user.ok) return;
//	  const joined = queue.join(user);          // {ok: true, status: 'waiting', queueKey, position}
//	  queue.leave(user);
//	}
//
// Every request goes through k6/http's Go API (the VU's connections, cookie
// jar and options), so each one records the usual http_req_* samples, named
// "<METHOD> <path>" and tagged with region and mode. The module adds
// queue_join_latency, queue_match_latency, queue_leave_latency and
// error_rate{op} (see package queue).
//
// Errors are data: a failed call returns {ok: false, status, error,
// message?} where status is the HTTP status (0 when no answer came) and
// error the API's machine code (or "unexpected_status",
// "malformed_response", "timeout", "not_waiting", or the network error).
// A successful call returns {ok: true, ...} with the API's JSON fields, whose
// status is the queue or user state ("waiting", "matched", "idle",
// "in_session"). Only misuse throws: a bad config, a user object without a
// token, or a request from the init context.
package queuejs
