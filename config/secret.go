package config

import (
	"fmt"
	"io"
	"log/slog"
)

// redacted is what a Secret prints instead of its value.
const redacted = "<redacted>"

// Secret is an option value that must never be shown: a TLS private key or
// its password (tlsAuth). Every way of printing it — fmt's verbs, slog,
// JSON and text marshalling (so `stampede inspect` and exec.test.options)
// — renders "<redacted>"; Reveal returns the value where it is used.
type Secret string

// Reveal returns the secret's value. Never log it or put it in an error.
func (s Secret) Reveal() string { return string(s) }

// String returns "<redacted>".
func (s Secret) String() string { return redacted }

// GoString returns "<redacted>".
func (s Secret) GoString() string { return redacted }

// Format prints "<redacted>" for every verb.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// LogValue returns "<redacted>".
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText returns "<redacted>".
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// MarshalJSON returns "<redacted>" as a JSON string.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }
