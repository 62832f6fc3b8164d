package config

import "github.com/stampede-load/stampede/internal/secret"

// Secret is an option value that must never be shown: a TLS private key or
// its password (tlsAuth). It prints and encodes as "<redacted>" (so
// `stampede inspect` and exec.test.options show that); Reveal returns the
// value where it is used.
type Secret = secret.Secret
