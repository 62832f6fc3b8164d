package target

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"
)

// Defaults applied by New to zero Config fields.
const (
	// DefaultAddr is the listen address used by Start when Config.Addr is
	// empty: a free port on the loopback interface.
	DefaultAddr = "127.0.0.1:0"
	// DefaultSessionHold is how long a session lasts unless the join that led
	// to it asked for another duration with "sessionSeconds".
	DefaultSessionHold = 45 * time.Second
	// DefaultMatchInterval is the period of the matching worker.
	DefaultMatchInterval = 25 * time.Millisecond
	// DefaultEventRetention is how long processed webhook event ids are
	// remembered for idempotency (at least this long, at most twice it).
	DefaultEventRetention = 24 * time.Hour
)

// Limits of the API (fixed by the contract, not configurable).
const (
	// MaxBodyBytes is the largest accepted request body (1 MiB); larger
	// bodies are answered 413.
	MaxBodyBytes = 1 << 20
	// WebhookTolerance is the maximum age of a webhook signature timestamp.
	WebhookTolerance = 300 * time.Second
	// MaxRegionLen is the longest accepted queue region, in characters.
	MaxRegionLen = 64
	// MaxSessionSeconds is the largest "sessionSeconds" a join may ask for.
	MaxSessionSeconds = 3600
)

// Config configures a Server. The zero value is usable: New fills in the
// defaults documented on each field.
type Config struct {
	// Addr is the TCP address Start listens on, host:port. An empty host
	// means 127.0.0.1 (never all interfaces by accident; use 0.0.0.0
	// explicitly for that) and port 0 picks a free port. Default
	// DefaultAddr.
	Addr string

	// WebhookSecret is the Stripe webhook endpoint secret ("whsec_...")
	// used to verify Stripe-Signature headers. Empty means New generates one
	// with GenerateSecret; Server.WebhookSecret returns it.
	WebhookSecret Secret

	// SessionHold is how long a session lasts before it ends by itself,
	// unless a join asked for "sessionSeconds". Default 45s.
	SessionHold time.Duration

	// MatchInterval is the period of the matching worker, which pairs
	// waiting users and ends expired sessions. Default 25ms.
	MatchInterval time.Duration

	// EventRetention is how long processed webhook event ids are remembered
	// for idempotency; a duplicate is detected for at least this long (and
	// at most twice it). Default 24h.
	EventRetention time.Duration

	// Logger receives lifecycle and error logs (never secrets or bearer
	// tokens). Nil discards them.
	Logger *slog.Logger

	// Clock returns the current time; it drives session start/end times,
	// session expiry and the webhook timestamp tolerance. Nil means
	// time.Now. Tests inject a fake clock here.
	Clock func() time.Time
}

// withDefaults returns c with zero fields replaced by their defaults.
func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.SessionHold == 0 {
		c.SessionHold = DefaultSessionHold
	}
	if c.MatchInterval == 0 {
		c.MatchInterval = DefaultMatchInterval
	}
	if c.EventRetention == 0 {
		c.EventRetention = DefaultEventRetention
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	return c
}

// ErrInvalidConfig is wrapped by every error Validate returns.
var ErrInvalidConfig = errors.New("invalid target config")

// Validate reports every problem with c at once (zero fields are fine: they
// take defaults). The returned error wraps ErrInvalidConfig.
func (c Config) Validate() error {
	var errs []error
	if c.Addr != "" {
		if _, _, err := net.SplitHostPort(c.Addr); err != nil {
			errs = append(errs, fmt.Errorf("addr %q: %w", c.Addr, err))
		}
	}
	if c.SessionHold < 0 {
		errs = append(errs, fmt.Errorf("session hold %s: must not be negative", c.SessionHold))
	}
	if c.MatchInterval < 0 {
		errs = append(errs, fmt.Errorf("match interval %s: must not be negative", c.MatchInterval))
	}
	if c.EventRetention < 0 {
		errs = append(errs, fmt.Errorf("event retention %s: must not be negative", c.EventRetention))
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrInvalidConfig, errors.Join(errs...))
}
