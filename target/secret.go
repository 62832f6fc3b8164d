package target

import (
	"crypto/rand"
	"encoding/base64"

	"github.com/stampede-load/stampede/internal/secret"
)

// Secret is a credential, such as the Stripe webhook endpoint secret
// ("whsec_..."): it prints as "<redacted>" (package internal/secret).
type Secret = secret.Secret

// GenerateSecret returns a new random webhook secret of the form
// "whsec_<43 base64url characters>" (32 random bytes). It is safe for
// concurrent use.
func GenerateSecret() Secret {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go >= 1.24)
	return Secret("whsec_" + base64.RawURLEncoding.EncodeToString(b[:]))
}
