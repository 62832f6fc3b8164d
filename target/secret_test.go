package target

import (
	"regexp"
	"testing"
)

func TestGenerateSecret(t *testing.T) {
	re := regexp.MustCompile(`^whsec_[A-Za-z0-9_-]{43}$`)
	seen := map[string]bool{}
	for range 100 {
		s := GenerateSecret()
		if !re.MatchString(s.Reveal()) {
			t.Fatalf("secret %q has the wrong shape", s.Reveal())
		}
		if seen[s.Reveal()] {
			t.Fatal("GenerateSecret repeated itself")
		}
		seen[s.Reveal()] = true
	}
}
