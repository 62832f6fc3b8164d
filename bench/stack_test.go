package bench_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/stampede-load/stampede/engine"
)

// A VU's goroutine stack grows to the deepest call of its iteration and
// stays that size until a collection finds it idle. At 10,000 VUs the
// difference between 8 KB and 16 KB stacks is 80 MB, counted twice in the
// peak (the collector's goal includes stacks), so the chain under which a
// request's response is read must fit in 8 KB (js/k6/http Client.run).
//
// TestQueueIterationStackFits8KB runs iterations of queue-concurrency.js in
// a child process whose stacks may not grow past 8 KB (debug.SetMaxStack: a
// goroutine that needs more kills the process with its traceback), against
// the reference target in this process. The collector is off while they
// run, so what is measured is the iteration's own calls; each runs under
// stackMargin bytes of padding (with the test's frames, ~650 bytes deeper
// than the engine calls RunOnce), room that the runtime's allocation slow
// path (a sweep or a GC assist, up to ~600 bytes) needs at the deepest
// allocation of a real run.
func TestQueueIterationStackFits8KB(t *testing.T) {
	if os.Getenv("STAMPEDE_STACK_CHILD") != "" {
		t.Skip("the child process runs TestStackChild")
	}
	if raceEnabled {
		// The race detector doubles the stack guard and adds frames: the
		// budget is that of a normal build (make test also runs go test
		// without -race on this package: target stack-check).
		t.Skip("stack depths are those of a build without the race detector")
	}
	srvURL, secret := startTarget(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestStackChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "STAMPEDE_STACK_CHILD=1",
		"STAMPEDE_STACK_TARGET="+srvURL, "STAMPEDE_STACK_SECRET="+secret)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		b := out.Bytes()
		if len(b) > 16000 {
			b = b[:16000]
		}
		t.Fatalf("iterations of queue-concurrency.js need more than 8 KB of stack (%v):\n%s", err, b)
	}
	if !bytes.Contains(out.Bytes(), []byte("stack child: ")) {
		t.Fatalf("the child process ran no iterations:\n%s", out.Bytes())
	}
	t.Log(string(bytes.TrimSpace(out.Bytes())))
}

// stackMargin is the room the chain must leave in 8 KB, beyond the frames
// of the engine above RunOnce (about 300 bytes).
const stackMargin = 768

var stackSink byte

// onPaddedStack calls fn under stackMargin bytes of stack.
//
//go:noinline
func onPaddedStack(i int, fn func() error) error {
	var pad [stackMargin]byte
	pad[i%stackMargin] = byte(i)
	err := fn()
	stackSink += pad[(i*7)%stackMargin]
	return err
}

func TestStackChild(t *testing.T) {
	if os.Getenv("STAMPEDE_STACK_CHILD") == "" {
		t.Skip("run by TestQueueIterationStackFits8KB")
	}
	r := queueRunnerFor(t, os.Getenv("STAMPEDE_STACK_TARGET"), os.Getenv("STAMPEDE_STACK_SECRET"))
	const vus, iterations = 4, 50
	active := make([]engine.ActiveVU, vus)
	for i := range active {
		active[i], _ = activeVU(t, r, "queue_concurrency", "ramping-vus")
	}
	errs := make(chan error, vus)
	run := func(each func(engine.ActiveVU) error) {
		for _, a := range active {
			go func() { errs <- each(a) }()
		}
		for range vus {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
	}
	// The first iteration dials (net's resolver path is deeper, once per
	// connection: the VU keeps it) and creates the VU's user.
	run(func(a engine.ActiveVU) error { return a.RunOnce() })
	// From here a goroutine whose stack would grow past 8 KB ends the
	// process; the iterations run on new goroutines, whose stacks start
	// at 2 KB.
	runtime.GC() // and its sweep: none is left for the allocations below
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	debug.SetMaxStack(8192)
	run(func(a engine.ActiveVU) error {
		for i := range iterations {
			if err := onPaddedStack(i, a.RunOnce); err != nil {
				return err
			}
		}
		return nil
	})
	debug.SetMaxStack(1 << 30)
	fmt.Printf("stack child: %d iterations within 8 KB of stack\n", vus*iterations)
}
