package stripe

import (
	"strings"
	"testing"
	"time"

	"github.com/grafana/sobek"

	"github.com/stampede-load/stampede/js/modulestest"
)

// testVU is a modulestest VU with k6/x/stripe required as `stripe` and,
// when pinned is non-zero, the module's clock pinned to that Unix second.
type testVU struct {
	*modulestest.Runtime
}

func newTestVU(t testing.TB, pinned int64) *testVU {
	t.Helper()
	rt := modulestest.New(t)
	ns, err := rt.Require("k6/x/stripe")
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Sobek().Set("stripe", ns); err != nil {
		t.Fatal(err)
	}
	if pinned != 0 {
		pin(t, rt, pinned)
	}
	return &testVU{rt}
}

// pin replaces the global `stripe` with a fresh instance of the module on
// the same VU whose clock is pinned to unix.
func pin(t testing.TB, rt *modulestest.Runtime, unix int64) {
	t.Helper()
	inst := New().NewModuleInstance(rt.VU()).(*Stripe)
	inst.now = func() time.Time { return time.Unix(unix, 0) }
	ns := rt.Sobek().NewObject()
	ex := inst.Exports().Table
	for _, k := range ex.Names() {
		v, _ := ex.Export(k)
		if err := ns.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := rt.Sobek().Set("stripe", ns); err != nil {
		t.Fatal(err)
	}
}

func (v *testVU) set(t testing.TB, vars map[string]any) {
	t.Helper()
	for k, val := range vars {
		if err := v.Sobek().Set(k, val); err != nil {
			t.Fatal(err)
		}
	}
}

func (v *testVU) eval(t testing.TB, src string) sobek.Value {
	t.Helper()
	res, err := v.RunScript(src)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return res
}

// evalErr runs src, which must throw, and returns the error text.
func (v *testVU) evalErr(t testing.TB, src string) string {
	t.Helper()
	_, err := v.RunScript(src)
	if err == nil {
		t.Fatalf("%s did not throw", src)
	}
	return err.Error()
}

func noSecretIn(t testing.TB, what, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Fatalf("%s contains the secret: %s", what, text)
		}
	}
}
