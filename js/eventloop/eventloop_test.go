package eventloop_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/grafana/sobek"

	"github.com/stampede-load/stampede/js/eventloop"
)

func TestStartWaitsForRegisteredCallbacks(t *testing.T) {
	t.Parallel()
	rt := sobek.New()
	loop := eventloop.New(rt)
	var order []int
	err := loop.Start(func() error {
		for i := range 3 {
			enqueue := loop.RegisterCallback()
			go func() {
				time.Sleep(time.Duration(3-i) * 5 * time.Millisecond)
				enqueue(func() error {
					order = append(order, i)
					if i == 0 {
						// A callback may register more work.
						next := loop.RegisterCallback()
						go next(func() error { order = append(order, 10); return nil })
					}
					return nil
				})
			}()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Every callback ran, the one registered by callback 0 after it. (Their
	// order otherwise follows the goroutines' sleeps, which a loaded machine
	// may reorder, so it is not checked.)
	pos := map[int]int{}
	for i, v := range order {
		pos[v] = i
	}
	if len(order) != 4 || len(pos) != 4 || pos[10] < pos[0] {
		t.Fatalf("order = %v, want 0, 1, 2 and 10 each once, 10 after 0", order)
	}
	for _, v := range []int{0, 1, 2, 10} {
		if _, ok := pos[v]; !ok {
			t.Fatalf("order = %v: callback %d did not run", order, v)
		}
	}
	if loop.Pending() != 0 {
		t.Fatal("work pending after Start returned")
	}
}

func TestErrorStopsTheLoop(t *testing.T) {
	t.Parallel()
	rt := sobek.New()
	loop := eventloop.New(rt)
	boom := errors.New("boom")
	ran := false
	err := loop.Start(func() error {
		a, b := loop.RegisterCallback(), loop.RegisterCallback()
		a(func() error { return boom })
		b(func() error { ran = true; return nil })
		slow := loop.RegisterCallback()
		go func() { time.Sleep(10 * time.Millisecond); slow(func() error { ran = true; return nil }) }()
		return nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	loop.WaitOnRegistered()
	if ran {
		t.Fatal("callbacks after the error ran")
	}
	if loop.Pending() != 0 {
		t.Fatal("WaitOnRegistered left work")
	}
	// The loop is usable again.
	if err := loop.Start(func() error { return nil }); err != nil {
		t.Fatal(err)
	}
}

func TestEnqueueTwicePanics(t *testing.T) {
	t.Parallel()
	loop := eventloop.New(sobek.New())
	enqueue := loop.RegisterCallback()
	enqueue(func() error { return nil })
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	enqueue(func() error { return nil })
}

func TestUnhandledRejection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src, wantErr string
	}{
		{"unhandled", `Promise.reject(new Error("lost"))`, "Uncaught (in promise) Error: lost"},
		{"handled in the same tick", `const p = Promise.reject(1); p.catch(() => {})`, ""},
		{"rejected then caught by await", `(async () => { try { await Promise.reject(2) } catch (e) {} })()`, ""},
		{"non-error reason", `Promise.reject("plain")`, "Uncaught (in promise) plain"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rt := sobek.New()
			loop := eventloop.New(rt)
			err := loop.Start(func() error { _, err := rt.RunString(tc.src); return err })
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ur *eventloop.UnhandledRejectionError
			if !errors.As(err, &ur) || !strings.HasPrefix(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
		})
	}
}
