package stripe

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SignatureHeader is the HTTP header Stripe puts its signature in.
const SignatureHeader = "Stripe-Signature"

// SchemeV1 is the only signature scheme Stripe signs webhooks with today and
// the only one Verify checks.
const SchemeV1 = "v1"

// DefaultTolerance is how old a signature's timestamp may be before Verify
// rejects it as expired (Stripe's libraries use the same 5 minutes).
const DefaultTolerance = 300 * time.Second

// Errors Verify returns (wrapped with details); callers branch with errors.Is.
var (
	// ErrMalformedHeader: the header is empty, is not a list of key=value
	// pairs, or has no valid "t" timestamp.
	ErrMalformedHeader = errors.New("malformed Stripe-Signature header")
	// ErrNoValidSignature: the header is well formed but none of its v1
	// signatures matches the payload and secret (or it has none).
	ErrNoValidSignature = errors.New("no valid stripe signature")
	// ErrExpired: a signature matches but its timestamp is older than the tolerance.
	ErrExpired = errors.New("stripe signature expired")
	// ErrEmptySecret: the secret is empty.
	ErrEmptySecret = errors.New("stripe webhook secret is empty")
	// ErrInvalidScheme: a signing scheme that cannot appear in a header.
	ErrInvalidScheme = errors.New("invalid stripe signature scheme")
)

// Signer computes signatures with one secret. It reuses keyed HMAC states, so
// signing many payloads with the same secret costs no HMAC key set-up and
// almost no allocation. A Signer is safe for concurrent use.
type Signer struct {
	pool sync.Pool // of hash.Hash (HMAC-SHA256 keyed with the secret)
}

// NewSigner returns a Signer for secret. It fails only when secret is empty.
func NewSigner(secret Secret) (*Signer, error) {
	if secret == "" {
		return nil, ErrEmptySecret
	}
	key := []byte(secret)
	s := &Signer{}
	s.pool.New = func() any { return hmac.New(sha256.New, key) }
	return s, nil
}

// Sum appends to dst the raw HMAC-SHA256 of "<timestamp>.<payload>" and
// returns the extended slice.
func (s *Signer) Sum(dst []byte, payload []byte, timestamp int64) []byte {
	mac := s.pool.Get().(hash.Hash)
	mac.Reset()
	var tbuf [24]byte
	t := strconv.AppendInt(tbuf[:0], timestamp, 10)
	t = append(t, '.')
	mac.Write(t)
	mac.Write(payload)
	dst = mac.Sum(dst)
	s.pool.Put(mac)
	return dst
}

// Signature returns the hex HMAC-SHA256 of "<timestamp>.<payload>": the value
// of a v1 entry. timestamp is in Unix seconds.
func (s *Signer) Signature(payload []byte, timestamp int64) string {
	var sum [sha256.Size]byte
	return hex.EncodeToString(s.Sum(sum[:0], payload, timestamp))
}

// appendEntry appends ",<scheme>=<hex signature>" to dst.
func (s *Signer) appendEntry(dst []byte, scheme string, payload []byte, timestamp int64) []byte {
	var sum [sha256.Size]byte
	raw := s.Sum(sum[:0], payload, timestamp)
	dst = append(dst, ',')
	dst = append(dst, scheme...)
	dst = append(dst, '=')
	return hex.AppendEncode(dst, raw)
}

// Header returns a Stripe-Signature header value "t=<timestamp>,<scheme>=<hex>"
// for payload. scheme "" means SchemeV1; timestamp is in Unix seconds.
func (s *Signer) Header(payload []byte, timestamp int64, scheme string) (string, error) {
	if scheme == "" {
		scheme = SchemeV1
	}
	if err := validScheme(scheme); err != nil {
		return "", err
	}
	buf := make([]byte, 0, 2+20+1+len(scheme)+1+2*sha256.Size)
	buf = append(buf, "t="...)
	buf = strconv.AppendInt(buf, timestamp, 10)
	buf = s.appendEntry(buf, scheme, payload, timestamp)
	return string(buf), nil
}

func validScheme(scheme string) error {
	if scheme == "" || len(scheme) > 16 {
		return fmt.Errorf("%w %q: want 1 to 16 letters or digits, such as \"v1\"", ErrInvalidScheme, scheme)
	}
	for i := 0; i < len(scheme); i++ {
		c := scheme[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return fmt.Errorf("%w %q: want 1 to 16 letters or digits, such as \"v1\"", ErrInvalidScheme, scheme)
		}
	}
	if scheme == "t" {
		return fmt.Errorf("%w %q: \"t\" is the timestamp key", ErrInvalidScheme, scheme)
	}
	return nil
}

// SignOptions tune Sign. The zero value signs with the current time and v1.
type SignOptions struct {
	// Timestamp is the signing time; zero means Now().
	Timestamp time.Time
	// Scheme is the signature's key in the header; "" means SchemeV1.
	// Another value ("v0") produces a header Verify and Stripe's libraries
	// ignore, which is useful for negative tests.
	Scheme string
	// Rotated are further secrets to sign with, each adding one more entry of
	// the same scheme after the first (what Stripe sends while an endpoint's
	// secret is being rolled).
	Rotated []Secret
	// Now is the clock used when Timestamp is zero; nil means time.Now.
	Now func() time.Time
}

// Sign returns the Stripe-Signature header value for payload signed with
// secret: "t=<unix seconds>,v1=<hex HMAC-SHA256>", with one more entry per
// rotated secret.
func Sign(payload []byte, secret Secret, opts SignOptions) (string, error) {
	ts := opts.Timestamp
	if ts.IsZero() {
		if opts.Now != nil {
			ts = opts.Now()
		} else {
			ts = time.Now()
		}
	}
	scheme := opts.Scheme
	if scheme == "" {
		scheme = SchemeV1
	}
	if err := validScheme(scheme); err != nil {
		return "", err
	}
	signer, err := NewSigner(secret)
	if err != nil {
		return "", err
	}
	unix := ts.Unix()
	entry := len(scheme) + 2 + 2*sha256.Size
	buf := make([]byte, 0, 2+20+entry*(1+len(opts.Rotated)))
	buf = append(buf, "t="...)
	buf = strconv.AppendInt(buf, unix, 10)
	buf = signer.appendEntry(buf, scheme, payload, unix)
	for i, r := range opts.Rotated {
		rs, err := NewSigner(r)
		if err != nil {
			return "", fmt.Errorf("rotated secret %d: %w", i, err)
		}
		buf = rs.appendEntry(buf, scheme, payload, unix)
	}
	return string(buf), nil
}

// Signature returns the hex HMAC-SHA256 of "<timestamp>.<payload>" keyed with
// secret: the value Stripe puts in a v1 entry. timestamp is in Unix seconds.
func Signature(payload []byte, secret Secret, timestamp int64) (string, error) {
	s, err := NewSigner(secret)
	if err != nil {
		return "", err
	}
	return s.Signature(payload, timestamp), nil
}

// Header is a parsed Stripe-Signature header.
type Header struct {
	// Timestamp is the "t" value in Unix seconds.
	Timestamp int64
	// V1 are the decoded v1 signatures, in header order. Entries of other
	// schemes and v1 values that are not hex are left out.
	V1 [][]byte
}

// ParseHeader parses a Stripe-Signature header value. It fails, wrapping
// ErrMalformedHeader, when the header is empty, a part is not "key=value", or
// "t" is missing, repeated or not an integer. A header without v1 entries
// parses fine (Verify then reports ErrNoValidSignature). Errors never quote
// signature values.
func ParseHeader(header string) (Header, error) {
	var h Header
	if strings.TrimSpace(header) == "" {
		return h, fmt.Errorf("%w: the header is empty", ErrMalformedHeader)
	}
	seenT := false
	for i, part := range strings.Split(header, ",") {
		part = strings.TrimSpace(part)
		key, value, ok := strings.Cut(part, "=")
		if !ok || key == "" || strings.Contains(value, "=") {
			return h, fmt.Errorf("%w: part %d is not a key=value pair", ErrMalformedHeader, i+1)
		}
		switch key {
		case "t":
			if seenT {
				return h, fmt.Errorf("%w: more than one timestamp (t)", ErrMalformedHeader)
			}
			seenT = true
			ts, err := strconv.ParseInt(value, 10, 64)
			if err != nil {
				return h, fmt.Errorf("%w: timestamp (t) %q is not an integer number of seconds", ErrMalformedHeader, truncate(value, 24))
			}
			h.Timestamp = ts
		case SchemeV1:
			sig, err := hex.DecodeString(value)
			if err != nil || len(sig) != sha256.Size {
				continue // like Stripe's libraries: an unreadable signature just does not match
			}
			h.V1 = append(h.V1, sig)
		default:
			// other schemes (v0) and unknown keys are ignored
		}
	}
	if !seenT {
		return h, fmt.Errorf("%w: no timestamp (t)", ErrMalformedHeader)
	}
	return h, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// VerifyOptions tune Verify. The zero value checks the timestamp against
// DefaultTolerance with the current time.
type VerifyOptions struct {
	// Tolerance is the largest accepted signature age; 0 means DefaultTolerance.
	Tolerance time.Duration
	// IgnoreTolerance turns the age check off.
	IgnoreTolerance bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Verify checks that header carries a valid signature of payload by secret.
// It returns nil, or an error wrapping ErrMalformedHeader, ErrNoValidSignature
// (checked first: a forged request is reported as such whatever its age),
// ErrExpired, or ErrEmptySecret. Signatures are compared in constant time.
func Verify(payload []byte, header string, secret Secret, opts VerifyOptions) error {
	signer, err := NewSigner(secret)
	if err != nil {
		return err
	}
	return signer.Verify(payload, header, opts)
}

// Verify is the package-level Verify with the Signer's secret.
func (s *Signer) Verify(payload []byte, header string, opts VerifyOptions) error {
	h, err := ParseHeader(header)
	if err != nil {
		return err
	}
	if len(h.V1) == 0 {
		return fmt.Errorf("%w: the header has no v1 signature", ErrNoValidSignature)
	}
	var sum [sha256.Size]byte
	expected := s.Sum(sum[:0], payload, h.Timestamp)
	matched := false
	for _, sig := range h.V1 {
		if hmac.Equal(expected, sig) {
			matched = true
			break
		}
	}
	if !matched {
		return fmt.Errorf("%w: none of the %d v1 signatures matches the payload and secret", ErrNoValidSignature, len(h.V1))
	}
	if opts.IgnoreTolerance {
		return nil
	}
	tol := opts.Tolerance
	if tol <= 0 {
		tol = DefaultTolerance
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	age := now().Unix() - h.Timestamp
	if age > int64(tol/time.Second) {
		return fmt.Errorf("%w: timestamp %d is %ds old, the tolerance is %ds", ErrExpired, h.Timestamp, age, int64(tol/time.Second))
	}
	return nil
}
