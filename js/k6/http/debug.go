package http

import (
	"bytes"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
)

// The httpDebug option (--http-debug, K6_HTTP_DEBUG), as in k6: every
// request a VU sends and the response it gets are logged at info level,
// as "Request:\n<dump>" and "Response:\n<dump>", with their bodies when
// the value is "full" ("headers" logs the start line and headers only).
//
// Unlike k6, credentials are not logged: the values of Authorization and
// Proxy-Authorization keep their scheme only ("Bearer [redacted]"), a URL's
// password is dropped, and Stripe-Signature is redacted (a signature lets
// whoever holds it replay the event within Stripe's tolerance).
const (
	debugHeaders = "headers"
	debugFull    = "full"
)

// redactedHeaders are the request headers whose values are not logged.
var redactedHeaders = []string{"Authorization", "Proxy-Authorization", "Stripe-Signature"}

// logRequest logs r (about to be sent, with body as its body) for httpDebug,
// written by Request.Write: the bytes both request paths put on the wire
// (h1.go checks its own against it), up to the header without "full".
func (c *Client) logRequest(r *http.Request, body []byte) {
	d := *r
	d.Header = redactHeader(r.Header)
	if r.URL.User != nil {
		u := *r.URL
		u.User = url.User(r.URL.User.Username())
		d.URL = &u
	}
	d.Body, d.GetBody = nil, nil
	if len(body) > 0 {
		d.Body = newBodyReader(body)
	}
	var buf bytes.Buffer
	if err := d.Write(&buf); err != nil {
		c.logger.Warnf("httpDebug: %v", err)
		return
	}
	dump := buf.Bytes()
	if c.debug != debugFull {
		if i := bytes.Index(dump, []byte("\r\n\r\n")); i >= 0 {
			dump = dump[:i+4]
		}
	}
	c.logger.Infof("Request:\n%s\n", dump)
}

// logResponse logs resp for httpDebug; body is what was read of it
// (decoded), nil when it was not kept.
func (c *Client) logResponse(resp *http.Response, body []byte) {
	dump, err := httputil.DumpResponse(resp, false)
	if err != nil {
		c.logger.Warnf("httpDebug: %v", err)
		return
	}
	if c.debug == debugFull && len(body) > 0 {
		dump = append(dump, body...)
	}
	c.logger.Infof("Response:\n%s\n", dump)
}

// redactHeader is h with the values of redactedHeaders replaced.
func redactHeader(h http.Header) http.Header {
	var out http.Header
	for _, name := range redactedHeaders {
		vs, ok := h[name]
		if !ok {
			continue
		}
		if out == nil {
			out = h.Clone()
		}
		red := make([]string, len(vs))
		for i, v := range vs {
			red[i] = "[redacted]"
			if scheme, _, ok := strings.Cut(v, " "); ok && name != "Stripe-Signature" {
				red[i] = scheme + " [redacted]"
			}
		}
		out[name] = red
	}
	if out == nil {
		return h
	}
	return out
}
