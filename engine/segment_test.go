package engine

import (
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"
)

// Four instances, each running one quarter of the same test, together do
// exactly the whole run: every iteration once (iterationInTest unique and
// covering 0..total-1), VU identifiers unique, VU counts adding up.
func TestFourSegmentsDoTheWholeRun(t *testing.T) {
	t.Parallel()
	const options = `"scenarios": {
		"shared": {"executor": "shared-iterations", "vus": 7, "iterations": 103},
		"pervu":  {"executor": "per-vu-iterations", "vus": 5, "iterations": 3},
		"car":    {"executor": "constant-arrival-rate", "rate": 40, "duration": "1s", "preAllocatedVUs": 8},
		"rar":    {"executor": "ramping-arrival-rate", "preAllocatedVUs": 8, "stages": [{"duration": "1s", "target": 60}]},
		"cvus":   {"executor": "constant-vus", "vus": 6, "duration": "1s"}
	}`
	totals := map[string]int64{"shared": 103, "pervu": 15, "car": 40, "rar": 30}
	segments := []string{"0:1/4", "1/4:2/4", "2/4:3/4", "3/4:1"}

	runners := make([]*testRunner, len(segments))
	harnesses := make([]*harness, len(segments))
	for i, seg := range segments {
		runners[i] = &testRunner{sleep: 2 * time.Millisecond}
		harnesses[i] = newHarness(t, runners[i], fmt.Sprintf(
			`{"executionSegment": %q, "executionSegmentSequence": "0,1/4,2/4,3/4,1", %s}`, seg, options))
	}
	var planned int64
	for _, h := range harnesses {
		planned += h.eng.PlannedVUs()
	}
	// All scenarios overlap: 7 + 5 + 8 + 8 + 6 = 34 VUs in all, split exactly.
	if planned != 34 {
		t.Errorf("planned VUs over the four instances = %d, want 34", planned)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(harnesses))
	for i, h := range harnesses {
		wg.Add(1)
		go func(i int, h *harness) {
			defer wg.Done()
			errs[i] = h.run()
		}(i, h)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
	}

	for name, total := range totals {
		var all []int64
		for i, r := range runners {
			mine := inTests(r.records(), name)
			if len(mine) == 0 {
				t.Errorf("instance %d ran no %s iteration", i, name)
			}
			all = append(all, mine...)
		}
		sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
		if !isRange(all, total) {
			t.Errorf("%s: the instances ran iterationInTest %v, want each of 0..%d once", name, all, total-1)
		}
	}
	// constant-vus: each instance ran its share of the 6 VUs.
	vusPerInstance := make([]int, len(runners))
	for i, r := range runners {
		seen := map[uint64]bool{}
		for _, rec := range r.records() {
			if rec.Scenario == "cvus" {
				seen[rec.VU] = true
			}
		}
		vusPerInstance[i] = len(seen)
	}
	if sum := vusPerInstance[0] + vusPerInstance[1] + vusPerInstance[2] + vusPerInstance[3]; sum != 6 {
		t.Errorf("constant-vus VUs per instance %v, want 6 in all", vusPerInstance)
	}
	ids := map[uint64]int{}
	for i, r := range runners {
		for _, id := range r.vuIDsInTest {
			if prev, dup := ids[id]; dup {
				t.Errorf("VU idInTest %d used by instances %d and %d", id, prev, i)
			}
			ids[id] = i
		}
	}
}
