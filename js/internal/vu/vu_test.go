package vu

import (
	"context"
	"strings"
	"testing"

	"github.com/grafana/sobek"
	"github.com/sirupsen/logrus"

	"github.com/stampede-load/stampede/js/modules"
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
	made := 0
	v.SetLazyGlobal("lazy", func() sobek.Value { made++; return rt.ToValue("L") })
	if got := run(`typeof __ITER`).String(); got != "number" || made != 0 {
		t.Fatalf("typeof %s, made %d times before it was read", got, made)
	}
	if got := run(`lazy + lazy + ("lazy" in globalThis)`).String(); got != "LLtrue" || made != 1 {
		t.Fatalf("lazy = %s, made %d times", got, made)
	}
}

type tableInst struct{ made []string }

var testTable = modules.ExportTable[*tableInst]{
	"a": func(i *tableInst) any { i.made = append(i.made, "a"); return "A" },
	"b": func(i *tableInst) any { i.made = append(i.made, "b"); return func() string { return "B" } },
}

func (i *tableInst) Exports() modules.Exports { return modules.Exports{Table: testTable.For(i)} }

// A module whose named exports come from an ExportTable: the namespace
// makes each export the script reads, once, and only those; listing and
// `in` make none.
func TestNamespaceExportTable(t *testing.T) {
	v := New(context.Background(), logrus.New())
	inst := &tableInst{}
	ns, err := v.Instantiate("k6/x/table", inst)
	if err != nil {
		t.Fatal(err)
	}
	rt := v.Runtime()
	if err := rt.Set("ns", ns); err != nil {
		t.Fatal(err)
	}
	got, err := rt.RunString(`[Object.keys(ns).join(), "a" in ns, "z" in ns, ns.z === undefined].join("|")`)
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != "a,b,default|true|false|true" || len(inst.made) != 0 {
		t.Fatalf("got %s, made %v", got, inst.made)
	}
	got, err = rt.RunString(`[ns.a, ns.b(), ns.a, ns.b === ns.b, ns.default === ns].join("|")`)
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != "A|B|A|true|true" || strings.Join(inst.made, ",") != "a,b" {
		t.Fatalf("got %s, made %v", got, inst.made)
	}
}
