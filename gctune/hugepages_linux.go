package gctune

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// reserveHeap: see ReserveHeap.
func reserveHeap(bytes uint64) (release func()) {
	huge := hugePageSize()
	lo, hi := mapBlock(uintptr(bytes), huge)
	if hi <= lo || madvise(lo, hi-lo, unix.MADV_HUGEPAGE) != nil {
		return func() {}
	}
	// The block is unreachable now: collect it so its pages are free for
	// the allocations to come (the collector is cheap here: the heap is
	// small before the VUs are initialised).
	runtime.GC()
	return sync.OnceFunc(func() { _ = madvise(lo, hi-lo, unix.MADV_NOHUGEPAGE) })
}

// mapBlock allocates n bytes without writing them (strings.Builder.Grow
// allocates without zeroing: the runtime maps fresh memory for a block
// this large, and fresh memory is zero already), and returns the huge-page
// aligned range inside it. Only the addresses are kept, so the block is
// garbage as soon as this returns.
//
//go:noinline
func mapBlock(n, huge uintptr) (lo, hi uintptr) {
	var b strings.Builder
	b.Grow(int(n))
	b.WriteByte(0) // touches the first page only; needed to see the address
	start := uintptr(unsafe.Pointer(unsafe.StringData(b.String())))
	lo = (start + huge - 1) &^ (huge - 1)
	hi = (start + n) &^ (huge - 1)
	return lo, hi
}

// madvise advises the range [addr, addr+n). The range is given as
// integers: it belongs to the Go heap, and holding a pointer to it would
// keep the block alive.
func madvise(addr, n uintptr, advice int) error {
	if _, _, errno := unix.Syscall(unix.SYS_MADVISE, addr, n, uintptr(advice)); errno != 0 {
		return errno
	}
	return nil
}

// hugePageSize is the size of a transparent huge page (2 MiB on x86-64).
func hugePageSize() uintptr {
	b, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size")
	if err == nil {
		if n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 && n&(n-1) == 0 {
			return uintptr(n)
		}
	}
	return 2 << 20
}
