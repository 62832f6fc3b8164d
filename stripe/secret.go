package stripe

import (
	"fmt"
	"io"
	"log/slog"
)

// Redacted is what a Secret prints, logs and marshals as.
const Redacted = "<redacted>"

// Secret is a webhook endpoint secret ("whsec_..."). Every way of printing it
// (fmt verbs, %#v, slog, JSON or text marshalling) yields Redacted, so it can
// travel through logs and errors without leaking. Convert it explicitly
// ([]byte(s)) where the real value is needed, i.e. only to key an HMAC.
type Secret string

// String returns Redacted.
func (Secret) String() string { return Redacted }

// GoString returns Redacted, so %#v does not leak the value either.
func (Secret) GoString() string { return Redacted }

// Format writes Redacted for every fmt verb (%s, %v, %q, %x, %d ...).
func (Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, Redacted) }

// MarshalText returns Redacted; it also makes encoding/json write "<redacted>".
func (Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// LogValue returns Redacted for log/slog.
func (Secret) LogValue() slog.Value { return slog.StringValue(Redacted) }

var (
	_ fmt.Stringer   = Secret("")
	_ fmt.GoStringer = Secret("")
	_ fmt.Formatter  = Secret("")
	_ slog.LogValuer = Secret("")
)
