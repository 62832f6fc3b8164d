package vu

import (
	"context"
	"testing"

	"github.com/grafana/sobek"
	"github.com/sirupsen/logrus"
)

// SetGlobal's variables read like globals of the script, can be changed
// from Go, and a script's own assignment hides them.
func TestSetGlobal(t *testing.T) {
	v := New(context.Background(), logrus.New())
	rt := v.Runtime()
	v.SetGlobal("__VU", rt.ToValue(3))
	v.SetGlobal("__ITER", rt.ToValue(0))
	run := func(src string) sobek.Value {
		t.Helper()
		val, err := rt.RunString(src)
		if err != nil {
			t.Fatal(err)
		}
		return val
	}
	if got := run(`[__VU, __ITER, typeof __VU, "__ITER" in globalThis, typeof nope].join()`).String(); got != "3,0,number,true,undefined" {
		t.Fatal(got)
	}
	v.SetGlobal("__ITER", rt.ToValue(1))
	if got := run(`(function () { "use strict"; return __ITER })()`).ToInteger(); got != 1 {
		t.Fatalf("__ITER = %d after SetGlobal", got)
	}
	if got := run(`__VU = 9; __VU`).ToInteger(); got != 9 {
		t.Fatalf("__VU = %d after the script's assignment", got)
	}
}
