package queue

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Request is one HTTP request of the client. Doers must not modify it.
type Request struct {
	Method string
	URL    string
	// Name groups the request in metrics ("POST /queue/join"), like k6's name tag.
	Name string
	// Header and Tags are shared by the client's requests (one Header per user).
	Header http.Header
	Body   []byte // nil: no body
	// Timeout bounds the whole request.
	Timeout time.Duration
	// Tags are added to the request's own samples (region and mode).
	Tags map[string]string
}

// Response is the outcome of a Request. A request that failed on the way
// (refused, reset, timeout) is a Response with Status 0 and Error set.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
	Error  string // the failure's message when Status is 0
}

// Doer sends requests. Do returns an error only for a request that cannot be
// sent at all (a bad URL, or no VU to send it from); failures on the network
// are Responses with Status 0.
type Doer interface {
	Do(ctx context.Context, req *Request) (*Response, error)
}

// MaxBodySize is how much of a response body NetHTTP reads (1 MiB; the API's
// answers are tiny).
const MaxBodySize = 1 << 20

// NetHTTP is a Doer on a net/http Client, for using the package without k6/http.
// The zero value uses http.DefaultClient.
type NetHTTP struct {
	Client *http.Client
}

// Do sends req with net/http.
func (n NetHTTP) Do(ctx context.Context, req *Request) (*Response, error) {
	c := n.Client
	if c == nil {
		c = http.DefaultClient
	}
	if req.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, req.Timeout)
		defer cancel()
	}
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.Method, req.URL, body)
	if err != nil {
		return nil, fmt.Errorf("queue: cannot build %s request: %w", req.Name, err)
	}
	for k, vs := range req.Header {
		hr.Header[k] = vs
	}
	resp, err := c.Do(hr)
	if err != nil {
		msg := err.Error()
		if errors.Is(err, context.DeadlineExceeded) {
			msg = "request timeout"
		}
		return &Response{Error: msg}, nil
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxBodySize))
	if err != nil {
		return &Response{Error: "reading the response body: " + err.Error()}, nil
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}
