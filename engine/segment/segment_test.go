package segment

import (
	"errors"
	"math/big"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{in: "", want: "0:1"},
		{in: "0:1", want: "0:1"},
		{in: "1/4:2/4", want: "1/4:1/2"},
		{in: "0.25:0.5", want: "1/4:1/2"},
		{in: "25%:50%", want: "1/4:1/2"},
		{in: "1/3", want: "0:1/3"},
		{in: "1/2:1/4", err: "start must be less than the end"},
		{in: "0:2", err: "outside [0, 1]"},
		{in: "-1/4:1", err: "is not a number"},
		{in: "0:1e-999999999", err: "is not a number"},
		{in: "a:1", err: "is not a number"},
		{in: "1/2:1/2", err: "start must be less than the end"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s, err := Parse(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, ErrInvalid) {
					t.Fatalf("Parse(%q) error = %v, want one containing %q", tt.in, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.String() != tt.want {
				t.Errorf("Parse(%q) = %s, want %s", tt.in, s, tt.want)
			}
		})
	}
}

func TestParseSequence(t *testing.T) {
	seq, err := ParseSequence("1/4,2/4,3/4")
	if err != nil {
		t.Fatal(err)
	}
	if got := seqString(seq); got != "0,1/4,1/2,3/4,1" {
		t.Errorf("filled sequence = %s", got)
	}
	if _, err := ParseSequence("0,1/2,1/4,1"); err == nil || !strings.Contains(err.Error(), "strictly increasing") {
		t.Errorf("decreasing sequence error = %v", err)
	}
	if _, err := ParseSequence("0,x,1"); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad point error = %v", err)
	}
}

func mustTuple(t *testing.T, seg, seq string) *Tuple {
	t.Helper()
	s, err := Parse(seg)
	if err != nil {
		t.Fatal(err)
	}
	points, err := ParseSequence(seq)
	if err != nil {
		t.Fatal(err)
	}
	tu, err := NewTuple(s, points)
	if err != nil {
		t.Fatal(err)
	}
	return tu
}

func TestTupleNotInSequence(t *testing.T) {
	s, _ := Parse("0:1/3")
	points, _ := ParseSequence("0,1/4,1")
	if _, err := NewTuple(s, points); err == nil || !strings.Contains(err.Error(), "not one of the segments of the sequence") {
		t.Fatalf("error = %v", err)
	}
}

// Every segment's shares add up to the whole, shares never shrink as n grows,
// and global indices partition 0..n-1.
func TestTupleSharesPartitionTheRun(t *testing.T) {
	sequences := []string{
		"0,1/4,2/4,3/4,1",
		"0,1/3,2/3,1",
		"0,0.1,0.35,0.4,1",
		"0,1/7,1/2,1",
	}
	for _, seqStr := range sequences {
		t.Run(seqStr, func(t *testing.T) {
			points, err := ParseSequence(seqStr)
			if err != nil {
				t.Fatal(err)
			}
			var tuples []*Tuple
			for i := 0; i+1 < len(points); i++ {
				tu, err := NewTuple(Segment{From: points[i], To: points[i+1]}, points)
				if err != nil {
					t.Fatal(err)
				}
				tuples = append(tuples, tu)
			}
			prev := make([]int64, len(tuples))
			for n := int64(0); n <= 257; n++ {
				var sum int64
				seen := make(map[int64]bool, n)
				for i, tu := range tuples {
					share := tu.Scale(n)
					if share < prev[i] {
						t.Fatalf("segment %d: Scale(%d) = %d < Scale(%d) = %d", i, n, share, n-1, prev[i])
					}
					prev[i] = share
					sum += share
					for j := int64(0); j < share; j++ {
						g := tu.GlobalIndex(j)
						if g >= n || seen[g] {
							t.Fatalf("segment %d: GlobalIndex(%d) = %d (n = %d, seen = %v)", i, j, g, n, seen[g])
						}
						seen[g] = true
					}
					// Proportionality: the share is within one unit of n * length.
					exact, _ := new(big.Rat).Mul(tu.Segment().Length(), new(big.Rat).SetInt64(n)).Float64()
					if d := float64(share) - exact; d > 1 || d < -1 {
						t.Fatalf("segment %d: Scale(%d) = %d, exact share %.3f", i, n, share, exact)
					}
				}
				if sum != n {
					t.Fatalf("shares of %d add up to %d", n, sum)
				}
			}
		})
	}
}

func TestFullTupleIsIdentity(t *testing.T) {
	tu := mustTuple(t, "", "")
	if !tu.IsFull() {
		t.Fatal("empty segment should be the full run")
	}
	for _, n := range []int64{0, 1, 7, 1 << 40} {
		if got := tu.Scale(n); got != n {
			t.Errorf("Scale(%d) = %d", n, got)
		}
	}
	for j := int64(0); j < 10; j++ {
		if got := tu.GlobalIndex(j); got != j {
			t.Errorf("GlobalIndex(%d) = %d", j, got)
		}
	}
}

func TestSegmentWithoutSequence(t *testing.T) {
	tu := mustTuple(t, "1/2:3/4", "")
	if got := tu.Scale(100); got != 25 {
		t.Errorf("Scale(100) = %d, want 25", got)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"0:1", "1/4:2/4", "25%:50%", "0.1", "", "1:0", "1/0:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		seg, err := Parse(s)
		if err != nil {
			return
		}
		if seg.From.Cmp(seg.To) >= 0 || seg.From.Sign() < 0 || seg.To.Cmp(big.NewRat(1, 1)) > 0 {
			t.Fatalf("Parse(%q) = %s, not a valid segment", s, seg)
		}
	})
}
