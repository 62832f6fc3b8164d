package gctune

import (
	"os"
	"runtime/metrics"
	"strings"
	"sync"
)

// MinReserve is the smallest estimate ForInit reserves huge pages for:
// below it the page faults it saves are not worth a collection.
const MinReserve = 64 << 20

// ForInit prepares the process for initialising vus VUs, which only grow
// the heap (each VU's runtime stays live until the end of the test):
//
//   - the collector is suspended (Suspend) until done is called;
//   - once the first VU is initialised, first reserves the heap the others
//     will need, as measured on that one (the bytes it allocated, times the
//     VUs left, plus a tenth), in transparent huge pages (ReserveHeap).
//
// Initialising 10,000 VUs of queue-concurrency.js first-touches about a
// GiB of fresh memory; in 4 KiB pages that is 260,000 page faults, which
// on this project's virtual machines cost more CPU than running the
// scripts' init code (BENCHMARKS.md). done restores the collector and
// stops asking for huge pages (the pages already backed stay as they are).
func ForInit(vus int64) (first, done func()) {
	resume := Suspend()
	before := allocatedBytes()
	var (
		mu      sync.Mutex
		release = func() {}
	)
	first = sync.OnceFunc(func() {
		perVU := allocatedBytes() - before
		if vus < 2 || perVU == 0 {
			return
		}
		r := ReserveHeap(perVU * uint64(vus-1) * 11 / 10)
		mu.Lock()
		release = r
		mu.Unlock()
	})
	done = sync.OnceFunc(func() {
		mu.Lock()
		release()
		mu.Unlock()
		resume()
	})
	return first, done
}

// allocatedBytes is the heap allocated since the process started,
// including what was freed since.
func allocatedBytes() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// ReserveHeap makes about the next bytes the heap grows by come from
// transparent huge pages (2 MiB on x86-64), where the kernel backs them
// with one page fault per huge page instead of one per 4 KiB page.
// release stops asking for huge pages for that memory: after it, pages
// freed by the collector and given back to the system are not merged into
// huge pages again (which would raise the resident memory).
//
// It does something only on Linux with transparent huge pages in
// "madvise" mode (with "always" the heap gets them anyway; with "never"
// it cannot), when bytes is at least MinReserve and GODEBUG does not
// contain disablethp=1 (Go's own switch for huge pages in the heap).
//
// How: the runtime is made to map one block of bytes (an allocation that is
// never written, so no page of it is touched), the block is advised
// MADV_HUGEPAGE and freed by a collection; the runtime hands out its
// lowest free pages first, so the next allocations fill it.
func ReserveHeap(bytes uint64) (release func()) {
	if bytes < MinReserve || !thpMadvise() || thpDisabledByGODEBUG() {
		return func() {}
	}
	return reserveHeap(bytes)
}

// thpMadvise reports whether transparent huge pages are given to memory
// advised MADV_HUGEPAGE only.
func thpMadvise() bool {
	b, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	return err == nil && strings.Contains(string(b), "[madvise]")
}

// thpDisabledByGODEBUG reports whether GODEBUG has disablethp=1.
func thpDisabledByGODEBUG() bool {
	on := false
	for kv := range strings.SplitSeq(os.Getenv("GODEBUG"), ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(kv), "disablethp="); ok {
			on = v == "1" // the last setting wins, as in the runtime
		}
	}
	return on
}
