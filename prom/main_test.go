package prom

import (
	"os"
	"testing"

	"github.com/stampede-load/stampede/prom/internal/promtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	promtest.StopShared()
	os.Exit(code)
}
