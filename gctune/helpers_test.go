package gctune

import (
	"os"
	"testing"
)

// unsetGOGC removes GOGC from the environment for the rest of the test.
func unsetGOGC(t *testing.T) {
	t.Helper()
	old, had := os.LookupEnv("GOGC")
	if err := os.Unsetenv("GOGC"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if had {
			os.Setenv("GOGC", old)
		}
	})
}
