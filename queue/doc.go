// Package queue is a client of the staging API's matchmaking queue (see
// shared/spec/staging-api.md): anonymous users, join, leave, status,
// waiting for a match and the token balance. It is a plain Go library;
// package queuejs binds it to JavaScript as the `k6/x/queue` module.
//
// Requests go through a Doer: NetHTTP for plain Go use, or (in queuejs)
// k6/http's Go API, so that every request also records the usual http_req_*
// samples. The client records its own samples through a Sink:
// queue_join_latency (from sending the join to its acknowledgement, 429 and
// 503 retries included), queue_match_latency (from the join's
// acknowledgement to the poll that sees the match), queue_leave_latency and
// error_rate (one sample per operation, tagged op), all tagged with region
// and mode.
//
// Errors are data: a failed operation returns an *OpError carrying the HTTP
// status and the API's machine error code, and counts in error_rate. The
// bearer token never appears in errors or logs; User.Token redacts itself
// when printed.
package queue
