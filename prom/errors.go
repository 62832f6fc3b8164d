package prom

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
)

// Reason classifies why a query failed. Its values are few and stable, so
// they make good metric tags.
type Reason string

// The reasons a query can fail.
const (
	ReasonTimeout     Reason = "timeout"      // no answer within Config.Timeout, or Prometheus's own query timeout
	ReasonUnreachable Reason = "unreachable"  // connection refused, DNS failure, reset, ...
	ReasonCanceled    Reason = "canceled"     // the caller's context was cancelled (e.g. the test ended)
	ReasonServerError Reason = "server_error" // 5xx, or Prometheus failed to execute the query
	ReasonClientError Reason = "client_error" // 4xx such as 401/403/404 (check the URL and credentials)
	ReasonBadQuery    Reason = "bad_query"    // PromQL that Prometheus rejects, or arguments that make no sense
	ReasonBadResponse Reason = "bad_response" // an answer that is not a Prometheus API response
	ReasonNotScalar   Reason = "not_scalar"   // Scalar got several series
)

// QueryError is the error of every failed Client call. Its text names the
// operation, the query, the reason and the cause, and never contains the
// bearer token.
type QueryError struct {
	Op     string // "query", "query_range", "scalar", "snapshot" or "label_values"
	Query  string
	Reason Reason
	Status int // HTTP status of Prometheus's answer, 0 if there was none
	msg    string
	cause  error
}

// Error returns the scrubbed message.
func (e *QueryError) Error() string { return e.msg }

// Unwrap returns the cause, whose text is scrubbed too; errors.Is still sees
// the original error (e.g. context.DeadlineExceeded).
func (e *QueryError) Unwrap() error { return e.cause }

// scrubbed carries an error with a secret removed from its text.
type scrubbed struct {
	msg  string
	orig error
}

// Error returns the scrubbed text.
func (s *scrubbed) Error() string { return s.msg }

// Is lets errors.Is match the original error chain without exposing its text.
func (s *scrubbed) Is(target error) bool { return errors.Is(s.orig, target) }

// scrub removes secret from s.
func scrub(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, "<redacted>")
}

// excerpt returns s on one line, cut to at most n bytes.
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n] + "..."
	}
	return s
}

// redactURL hides a password in a URL for messages.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparsable url>"
	}
	return u.Redacted()
}

func (c *Client) newError(op, q string, reason Reason, cause error) *QueryError {
	return c.buildError(op, q, reason, 0, cause)
}

func (c *Client) buildError(op, q string, reason Reason, status int, cause error) *QueryError {
	text := cause.Error()
	var apiErr *v1.Error
	if errors.As(cause, &apiErr) && apiErr.Detail != "" {
		text += ": " + excerpt(apiErr.Detail, 200)
	}
	text = scrub(text, c.secret)
	what := fmt.Sprintf("%s %q", op, q)
	if op == "label_values" {
		what = "listing metric names"
	}
	detail := string(reason)
	switch reason {
	case ReasonTimeout:
		detail = fmt.Sprintf("timeout after %s", c.timeout)
	case ReasonClientError:
		if status == http.StatusUnauthorized || status == http.StatusForbidden {
			detail = fmt.Sprintf("%s, HTTP %d: check bearerToken and headers", reason, status)
		} else if status != 0 {
			detail = fmt.Sprintf("%s, HTTP %d: check the url", reason, status)
		}
	case ReasonServerError:
		if status != 0 {
			detail = fmt.Sprintf("%s, HTTP %d", reason, status)
		}
	}
	return &QueryError{
		Op: op, Query: q, Reason: reason, Status: status,
		msg:   fmt.Sprintf("prom: %s against %s failed (%s): %s", what, c.baseURL, detail, text),
		cause: &scrubbed{msg: text, orig: cause},
	}
}

// wrapError classifies an error of the Prometheus API client.
func (c *Client) wrapError(op, q string, err error) *QueryError {
	var (
		apiErr *v1.Error
		netErr net.Error
		status int
	)
	if errors.As(err, &apiErr) {
		status = statusFromAPIError(apiErr)
	}
	reason := ReasonBadResponse
	switch {
	case errors.As(err, &apiErr):
		switch apiErr.Type {
		case v1.ErrBadData:
			reason = ReasonBadQuery
		case v1.ErrTimeout:
			reason = ReasonTimeout
		case v1.ErrCanceled:
			reason = ReasonCanceled
		case v1.ErrClient:
			reason = ReasonClientError
		case v1.ErrServer, v1.ErrExec, "internal", "unavailable":
			reason = ReasonServerError
		case "not_found":
			reason = ReasonClientError
		}
	case errors.Is(err, context.DeadlineExceeded):
		reason = ReasonTimeout
	case errors.Is(err, context.Canceled):
		reason = ReasonCanceled
	case errors.As(err, &netErr) && netErr.Timeout():
		reason = ReasonTimeout
	case errors.As(err, &netErr):
		reason = ReasonUnreachable
	}
	return c.buildError(op, q, reason, status, err)
}

// statusFromAPIError recovers the HTTP status from client_golang's generic
// "client error: 401" / "server error: 500" messages.
func statusFromAPIError(e *v1.Error) int {
	var code int
	for _, f := range []string{"client error: %d", "server error: %d", "bad response code %d"} {
		if n, _ := fmt.Sscanf(e.Msg, f, &code); n == 1 {
			return code
		}
	}
	return 0
}
