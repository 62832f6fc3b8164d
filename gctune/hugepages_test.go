package gctune

import (
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
)

func TestTHPDisabledByGODEBUG(t *testing.T) {
	tests := map[string]bool{
		"":                             false,
		"disablethp=1":                 true,
		"disablethp=0":                 false,
		"gctrace=1, disablethp=1":      true,
		"disablethp=1,disablethp=0":    false,
		"madvdontneed=1,disablethp=1 ": true,
	}
	for godebug, want := range tests {
		t.Setenv("GODEBUG", godebug)
		if got := thpDisabledByGODEBUG(); got != want {
			t.Errorf("GODEBUG=%q: thpDisabledByGODEBUG() = %v, want %v", godebug, got, want)
		}
	}
}

// anonHugeKB is the process's memory in transparent huge pages.
func anonHugeKB(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/smaps_rollup")
	if err != nil {
		t.Skipf("no /proc/self/smaps_rollup: %v", err)
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "AnonHugePages:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("AnonHugePages line %q: %v", line, err)
			}
			return kb
		}
	}
	t.Fatal("no AnonHugePages in /proc/self/smaps_rollup")
	return 0
}

var sink [][]byte

// After ReserveHeap, small allocations that grow the heap land in huge
// pages; without it (the control) they do not, as the kernel gives huge
// pages to advised memory only. Not parallel: it measures the process.
func TestReserveHeapBacksAllocationsWithHugePages(t *testing.T) {
	if !thpMadvise() {
		t.Skip(`transparent huge pages are not in "madvise" mode here: ReserveHeap does nothing`)
	}
	t.Setenv("GODEBUG", "")
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // nothing is collected while we measure
	grow := func() int64 {
		before := anonHugeKB(t)
		for range 96 << 20 / 4096 { // 96 MiB of small objects, written
			b := make([]byte, 4096)
			b[0], b[4095] = 1, 1
			sink = append(sink, b)
		}
		return anonHugeKB(t) - before
	}
	control := grow()
	release := ReserveHeap(256 << 20)
	got := grow()
	release()
	release() // a second call does nothing
	sink = nil
	runtime.GC()
	if got < 64<<10 {
		t.Errorf("after ReserveHeap, 96 MiB of new objects added %d KiB of huge pages; want at least 64 MiB", got)
	}
	if control > got/2 {
		t.Errorf("without ReserveHeap the same allocations added %d KiB of huge pages (with it %d): the test does not tell them apart", control, got)
	}
}

func TestReserveHeapDoesNothingWhenSmallOrDisabled(t *testing.T) {
	t.Setenv("GODEBUG", "disablethp=1")
	before := allocatedBytes()
	ReserveHeap(1 << 30)()
	t.Setenv("GODEBUG", "")
	ReserveHeap(MinReserve - 1)()
	if grew := allocatedBytes() - before; grew >= MinReserve {
		t.Errorf("ReserveHeap allocated %d bytes although disabled or too small", grew)
	}
}

// ForInit suspends the collector until done, and first reserves what the
// VUs left need, sized from what was allocated since ForInit.
func TestForInit(t *testing.T) {
	unsetGOGC(t)
	t.Setenv("GODEBUG", "")
	prev := debug.SetGCPercent(77)
	defer debug.SetGCPercent(prev)
	first, done := ForInit(1000)
	if p := debug.SetGCPercent(-1); p != -1 {
		t.Errorf("GOGC during init = %d, want off (-1)", p)
	}
	for range 100 {
		sink = append(sink, make([]byte, 1024)) // "the first VU": ~100 KiB
	}
	before := allocatedBytes()
	first()
	first() // once only
	reserved := allocatedBytes() - before
	done()
	done()
	sink = nil
	if got := debug.SetGCPercent(77); got != 77 {
		t.Errorf("GOGC after done = %d, want the 77 in force before", got)
	}
	if !thpMadvise() {
		t.Skip(`transparent huge pages are not in "madvise" mode here: nothing is reserved`)
	}
	// ~100 KiB x 999 VUs x 1.1
	if reserved < 100<<20 || reserved > 200<<20 {
		t.Errorf("first() reserved %d MiB, want about 110 MiB", reserved>>20)
	}
}
