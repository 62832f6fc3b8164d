// Package secret holds the one type Stampede keeps credentials in: the
// Stripe webhook secret of the reference target, tlsAuth's private keys and
// their passwords. A Secret redacts itself wherever it could be printed.
package secret

import (
	"fmt"
	"io"
	"log/slog"
)

// redacted is what a Secret prints instead of its value.
const redacted = "<redacted>"

// Secret is a credential. It redacts itself: String, GoString, every fmt
// verb, slog and JSON/text marshalling all render "<redacted>" (so options
// holding one show it so in `stampede inspect` and exec.test.options). Use
// Reveal to obtain the value where it is really needed (to sign, verify or
// decrypt).
type Secret string

// Reveal returns the secret's value. Never log it or wrap it into an error.
func (s Secret) Reveal() string { return string(s) }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s == "" }

// String implements fmt.Stringer and returns "<redacted>".
func (s Secret) String() string { return redacted }

// GoString implements fmt.GoStringer and returns "<redacted>".
func (s Secret) GoString() string { return redacted }

// Format implements fmt.Formatter so that every verb (%s, %v, %q, %x, ...)
// prints "<redacted>".
func (s Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// LogValue implements slog.LogValuer and returns "<redacted>".
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText implements encoding.TextMarshaler and returns "<redacted>".
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// MarshalJSON implements json.Marshaler and returns "<redacted>" as a JSON
// string.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }
