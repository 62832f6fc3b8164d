package bundle_test

import (
	"path/filepath"
	"testing"

	"github.com/grafana/sobek"

	"github.com/stampede-load/stampede/bundle"
	_ "github.com/stampede-load/stampede/js/k6/all"    // the stock k6 modules the shims import
	_ "github.com/stampede-load/stampede/js/k6/crypto" // (listed too while js/k6/all is being filled)
	_ "github.com/stampede-load/stampede/js/k6/http"
	"github.com/stampede-load/stampede/js/modulestest"
)

// bundleSource bundles a one-file script src and returns the bundle.
func bundleSource(t *testing.T, src string) string {
	t.Helper()
	dir := writeScripts(t, map[string]string{"main.js": src})
	out, err := bundle.Bundle(filepath.Join(dir, "main.js"), bundle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// shimVU is a test VU that evaluated a bundle (in the init context, like
// k6) and exposes its exports as globals.
type shimVU struct {
	*modulestest.Runtime
}

// newShimVU bundles src, runs the bundle in a fresh test VU and defines
// every export of the bundle as a global of that VU.
func newShimVU(t *testing.T, src string, opts ...modulestest.Option) *shimVU {
	t.Helper()
	code := bundleSource(t, src)
	rt := modulestest.New(t, opts...)
	exports, err := rt.RunModule("file:///bundle.js", code)
	if err != nil {
		t.Fatalf("running the bundle: %v\n%s", err, code)
	}
	o := exports.ToObject(rt.Sobek())
	for _, k := range o.Keys() {
		if err := rt.Sobek().Set(k, o.Get(k)); err != nil {
			t.Fatal(err)
		}
	}
	return &shimVU{rt}
}

// set defines global variables of the VU.
func (v *shimVU) set(t *testing.T, vars map[string]any) {
	t.Helper()
	for k, val := range vars {
		if err := v.Sobek().Set(k, val); err != nil {
			t.Fatal(err)
		}
	}
}

// eval runs a JS expression or snippet and fails the test on an exception.
func (v *shimVU) eval(t *testing.T, src string) sobek.Value {
	t.Helper()
	val, err := v.RunScript(src)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return val
}

// evalErr runs src and returns its exception ("" when it succeeds).
func (v *shimVU) evalErr(t *testing.T, src string) string {
	t.Helper()
	_, err := v.RunScript(src)
	if err == nil {
		return ""
	}
	return err.Error()
}
