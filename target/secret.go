package target

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
)

// redacted is what a Secret prints instead of its value.
const redacted = "<redacted>"

// Secret is a credential, such as the Stripe webhook endpoint secret
// ("whsec_..."). It redacts itself: String, GoString, every fmt verb, slog
// and JSON/text marshalling all render "<redacted>". Use Reveal to obtain the
// value where it is really needed (to sign or verify a payload).
type Secret string

// GenerateSecret returns a new random webhook secret of the form
// "whsec_<43 base64url characters>" (32 random bytes). It is safe for
// concurrent use.
func GenerateSecret() Secret {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go >= 1.24)
	return Secret("whsec_" + base64.RawURLEncoding.EncodeToString(b[:]))
}

// Reveal returns the secret's value. Never log or wrap it into an error.
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
