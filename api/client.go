package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultAddress is where k6's REST API listens unless told otherwise.
const DefaultAddress = "localhost:6565"

// ErrUnreachable is wrapped by the client's errors when no server answered.
var ErrUnreachable = errors.New("cannot reach the REST API")

// maxAnswerBytes limits what the client reads of an answer.
const maxAnswerBytes = 64 << 20

// Client talks to the REST API of a running test.
type Client struct {
	addr string
	base *url.URL
	http *http.Client
}

// NewClient returns a client for the API at address: "host:port" (http is
// assumed) or an http:// or https:// URL. timeout bounds each request (0:
// none).
func NewClient(address string, timeout time.Duration) (*Client, error) {
	raw := address
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("invalid REST API address %q: expected host:port or an http:// URL", address)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	return &Client{addr: address, base: u, http: &http.Client{Timeout: timeout}}, nil
}

// Address returns the address the client was made for.
func (c *Client) Address() string { return c.addr }

// Status returns the run's status (GET /v1/status).
func (c *Client) Status(ctx context.Context) (Status, error) {
	var doc Document[Resource[Status]]
	err := c.do(ctx, http.MethodGet, "/v1/status", nil, &doc)
	return doc.Data.Attributes, err
}

// SetStatus changes the run's status (PATCH /v1/status) and returns the new one.
func (c *Client) SetStatus(ctx context.Context, p StatusPatch) (Status, error) {
	body, err := json.Marshal(Document[Resource[StatusPatch]]{Data: Resource[StatusPatch]{Type: typeStatus, ID: defaultID, Attributes: p}})
	if err != nil {
		return Status{}, err
	}
	var doc Document[Resource[Status]]
	err = c.do(ctx, http.MethodPatch, "/v1/status", body, &doc)
	return doc.Data.Attributes, err
}

// Metrics returns the run's metrics, sorted by name (GET /v1/metrics).
func (c *Client) Metrics(ctx context.Context) ([]Resource[Metric], error) {
	var doc Document[[]Resource[Metric]]
	err := c.do(ctx, http.MethodGet, "/v1/metrics", nil, &doc)
	return doc.Data, err
}

// do sends a request and decodes a 2xx answer into out. A 4xx or 5xx answer
// is an *Error with the API's title and detail.
func (c *Client) do(ctx context.Context, method, path string, body []byte, out any) error {
	u := *c.base
	u.Path += path
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", jsonContentType)
	if body != nil {
		req.Header.Set("Content-Type", jsonContentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ue := (*url.Error)(nil); errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("%w at %s: %w", ErrUnreachable, c.addr, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	if err != nil {
		return fmt.Errorf("reading the answer of the REST API at %s: %w", c.addr, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return answerError(resp.StatusCode, answer)
	}
	if err := json.Unmarshal(answer, out); err != nil {
		return fmt.Errorf("the REST API at %s answered %s %s with something else than JSON:API: %w", c.addr, method, path, err)
	}
	return nil
}

// answerError reads k6's error document, or keeps the start of the body
// when the answer is not one.
func answerError(code int, body []byte) *Error {
	var doc ErrorDocument
	if err := json.Unmarshal(body, &doc); err == nil && len(doc.Errors) > 0 {
		e := &Error{Code: code, Title: doc.Errors[0].Title, Detail: doc.Errors[0].Detail}
		for _, more := range doc.Errors[1:] {
			e.Detail += "; " + strings.TrimPrefix(more.Title+": "+more.Detail, ": ")
		}
		return e
	}
	detail := strings.TrimSpace(string(body))
	if len(detail) > 200 {
		detail = detail[:200] + "..."
	}
	return &Error{Code: code, Detail: detail}
}
