package http

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"syscall"
)

// k6's error codes (https://grafana.com/docs/k6/latest/javascript-api/error-codes/).
// They are returned as Response.ErrorCode and set as the error_code tag.
const (
	CodeGeneric             = 1000 // a generic error
	CodeNonTCPNetwork       = 1010 // a non-TCP network error
	CodeInvalidURL          = 1020 // an invalid URL was specified
	CodeRequestTimeout      = 1050 // the request timed out
	CodeDNS                 = 1100 // a generic DNS error
	CodeDNSNoIP             = 1101 // no IP found for the host
	CodeBlacklistedIP       = 1111 // the IP is in a blacklistIPs range
	CodeBlockedHostname     = 1112 // the host name matches a blockHostnames pattern
	CodeTCP                 = 1200 // a generic TCP error
	CodeTCPBrokenPipe       = 1201 // broken pipe on write
	CodeTCPUnknownWrite     = 1202 // an unknown OS error on write
	CodeTCPDial             = 1210 // a generic dial error
	CodeTCPDialTimeout      = 1211 // dial timeout
	CodeTCPDialRefused      = 1212 // connection refused on dial
	CodeTCPDialUnknown      = 1213 // an unknown OS error on dial
	CodeTCPReset            = 1220 // connection reset by peer
	CodeTLS                 = 1300 // a generic TLS error
	CodeTLSUnknownAuthority = 1310 // the certificate's issuer is unknown
	CodeTLSHostname         = 1311 // the certificate does not match the host name
	CodeHTTP2               = 1600 // a generic HTTP/2 error
	CodeHTTP2GoAway         = 1610 // an HTTP/2 GOAWAY
	CodeHTTP2Stream         = 1630 // an HTTP/2 stream error
	CodeHTTP2Connection     = 1650 // an HTTP/2 connection error
	CodeDecompression       = 1701 // the response body could not be decompressed
)

// ErrInitContext is returned when a request is made while the init context
// runs (the VU has no State yet).
var ErrInitContext = errors.New("making HTTP requests in the init context is not supported")

// ErrInvalidRequest is wrapped by the errors Do returns for a request that
// cannot be sent (bad URL, method, body compression or option).
var ErrInvalidRequest = errors.New("invalid HTTP request")

// Error is a failed request: the k6 error code and the cause.
type Error struct {
	Code int
	Err  error
	msg  string
}

// Error returns the message k6 would report (the response's error field).
func (e *Error) Error() string { return e.msg }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// timeoutError is what a request whose timeout fired reports.
var errRequestTimeout = errors.New("request timeout")

// decompressionError marks failures to decode a response body.
type decompressionError struct{ err error }

// Error describes the failure.
func (e *decompressionError) Error() string {
	return "error decompressing response body: " + e.err.Error()
}

// Unwrap returns the cause.
func (e *decompressionError) Unwrap() error { return e.err }

// classify maps a transport error to k6's code and message.
func classify(err error) *Error {
	if e, ok := err.(*Error); ok {
		return e
	}
	code := errorCode(err)
	msg := err.Error()
	if code == CodeRequestTimeout {
		msg = errRequestTimeout.Error()
	}
	return &Error{Code: code, Err: err, msg: msg}
}

func errorCode(err error) int {
	if errors.Is(err, errRequestTimeout) {
		return CodeRequestTimeout
	}
	var be *blockedError
	if errors.As(err, &be) {
		return be.code
	}
	var de *decompressionError
	if errors.As(err, &de) {
		return CodeDecompression
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		if dnsErr.IsNotFound {
			return CodeDNSNoIP
		}
		return CodeDNS
	}
	var unknownAuth x509.UnknownAuthorityError
	if errors.As(err, &unknownAuth) {
		return CodeTLSUnknownAuthority
	}
	var hostErr x509.HostnameError
	if errors.As(err, &hostErr) {
		return CodeTLSHostname
	}
	var certErr *tls.CertificateVerificationError
	var alert tls.AlertError
	var recErr tls.RecordHeaderError
	var invalidCert x509.CertificateInvalidError
	if errors.As(err, &certErr) || errors.As(err, &alert) || errors.As(err, &recErr) || errors.As(err, &invalidCert) {
		return CodeTLS
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		var errno syscall.Errno
		hasErrno := errors.As(opErr.Err, &errno)
		switch {
		case opErr.Op == "dial":
			switch {
			case hasErrno && errno == syscall.ECONNREFUSED:
				return CodeTCPDialRefused
			case opErr.Timeout():
				return CodeTCPDialTimeout
			case hasErrno:
				return CodeTCPDialUnknown
			}
			return CodeTCPDial
		case hasErrno && errno == syscall.ECONNRESET:
			return CodeTCPReset
		case hasErrno && errno == syscall.EPIPE:
			return CodeTCPBrokenPipe
		case opErr.Op == "write" && hasErrno:
			return CodeTCPUnknownWrite
		case strings.HasPrefix(opErr.Op, "remote error") || strings.Contains(opErr.Error(), "tls:"):
			return CodeTLS
		}
		return CodeTCP
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "connection reset by peer"):
		return CodeTCPReset
	case strings.Contains(msg, "broken pipe"):
		return CodeTCPBrokenPipe
	case strings.HasPrefix(msg, "tls: ") || strings.Contains(msg, ": tls: "):
		return CodeTLS
	case strings.Contains(msg, "http2: server sent GOAWAY"):
		return CodeHTTP2GoAway
	case strings.Contains(msg, "stream error"):
		return CodeHTTP2Stream
	case strings.Contains(msg, "connection error") && strings.Contains(msg, "http2"):
		return CodeHTTP2Connection
	case strings.Contains(msg, "http2:"):
		return CodeHTTP2
	case errors.Is(err, context.DeadlineExceeded):
		return CodeRequestTimeout
	}
	return CodeGeneric
}
