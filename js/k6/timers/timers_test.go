package timers_test

import (
	"context"
	"testing"
	"time"

	"github.com/stampede-load/stampede/js/modulestest"
)

func TestTimers(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, src, want string }{
		{"order by deadline then creation", `
			const out = [];
			setTimeout(() => out.push("late"), 30);
			setTimeout(() => out.push("a"), 0);
			setTimeout(() => out.push("b"));
			setTimeout(() => out.push("mid"), 10);
			new Promise((r) => setTimeout(r, 40)).then(() => out.join())`, "a,b,mid,late"},
		{"arguments", `new Promise((r) => setTimeout((x, y) => r(x + y), 1, 2, 3))`, "5"},
		{"clearTimeout", `let hit = false; const id = setTimeout(() => { hit = true }, 5); clearTimeout(id); clearTimeout(9999);
			new Promise((r) => setTimeout(() => r(hit), 20))`, "false"},
		{"interval", `let n = 0; new Promise((r) => { const id = setInterval(() => { if (++n === 3) { clearInterval(id); r(n) } }, 1) })`, "3"},
		{"module and globals are the same", `const t = require("k6/timers"); t.setTimeout === setTimeout && t.clearInterval === clearInterval`, "true"},
		{"ids are unique", `const a = setTimeout(() => {}, 1), b = setInterval(() => {}, 1); clearInterval(b); a !== b`, "true"},
		{"negative and NaN delays run at once", `new Promise((r) => setTimeout(() => setTimeout(() => r("ok"), NaN), -5))`, "ok"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rt := modulestest.New(t)
			v, err := rt.RunScript(tc.src)
			if err != nil {
				t.Fatal(err)
			}
			if v.String() != tc.want {
				t.Fatalf("got %q, want %q", v.String(), tc.want)
			}
		})
	}
}

func TestPendingTimerKeepsTheLoop(t *testing.T) {
	t.Parallel()
	rt := modulestest.New(t)
	start := time.Now()
	if _, err := rt.RunScript(`setTimeout(() => { globalThis.done = true }, 30)`); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Fatalf("RunScript returned after %v, before the timer", d)
	}
	if v, _ := rt.RunScript(`globalThis.done`); !v.ToBoolean() {
		t.Fatal("timer did not run")
	}
}

func TestContextEndDropsTimers(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	rt := modulestest.New(t, modulestest.WithContext(ctx))
	time.AfterFunc(20*time.Millisecond, cancel)
	if _, err := rt.RunScript(`setInterval(() => { globalThis.ticks = (globalThis.ticks || 0) + 1 }, 5); setTimeout(() => { globalThis.late = true }, 60000)`); err != nil {
		t.Fatal(err)
	}
	if v, _ := rt.RunScript(`globalThis.late`); v.ToBoolean() {
		t.Fatal("a dropped timer ran")
	}
}
