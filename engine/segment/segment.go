// Package segment implements execution segments, k6's way of splitting one
// test run over several instances without a coordinator.
//
// A segment is a half-open range of the run, "from:to" with 0 <= from < to <= 1,
// written as rationals ("1/4:2/4"), decimals ("0.25:0.5") or percentages
// ("25%:50%"). A sequence ("0,1/4,2/4,3/4,1") lists the segments every
// instance of the run uses. From its segment and the sequence, each instance
// derives alone which of the run's units (VUs, iterations, arrival-rate
// iterations) are its own: a Tuple deals the units 0, 1, 2, ... to the
// sequence's segments in a fixed, periodic pattern proportional to their
// lengths (largest deficit first). Because the pattern does not depend on the
// total, an instance's share of any count is exact (the shares of all segments
// add up to the count) and never shrinks when the count grows, and the global
// numbers of an instance's units are unique across instances.
package segment

import (
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"
)

// ErrInvalid is wrapped by every parsing or matching error of this package.
var ErrInvalid = errors.New("invalid execution segment")

// Error is a parsing or matching error: Input is the text (segment or
// sequence) and Problem what is wrong with it. It wraps ErrInvalid.
type Error struct {
	Input, Problem string
}

// Error renders `invalid execution segment "1/2:1/4": the start must be less than the end`.
func (e *Error) Error() string {
	return fmt.Sprintf("%s %q: %s", ErrInvalid, e.Input, e.Problem)
}

// Unwrap returns ErrInvalid.
func (e *Error) Unwrap() error { return ErrInvalid }

func newErr(input, format string, args ...any) *Error {
	return &Error{Input: input, Problem: fmt.Sprintf(format, args...)}
}

// maxPeriod bounds the least common denominator of a sequence: the pattern
// that deals units is that long.
const maxPeriod = 10_000_000

// Segment is the range [From, To) of a test run, 0 <= From < To <= 1.
type Segment struct {
	From, To *big.Rat
}

// Full is the whole run, "0:1".
func Full() Segment { return Segment{From: new(big.Rat), To: big.NewRat(1, 1)} }

// String renders the segment as "from:to" with rationals ("0:1/4").
func (s Segment) String() string { return ratString(s.From) + ":" + ratString(s.To) }

// Length returns To - From.
func (s Segment) Length() *big.Rat { return new(big.Rat).Sub(s.To, s.From) }

func ratString(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	return r.RatString()
}

// parsePoint parses "1/4", "0.25" or "25%"; the error is a problem text.
func parsePoint(s string) (*big.Rat, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, "a value is empty"
	}
	pct := strings.HasSuffix(s, "%")
	num := strings.TrimSuffix(s, "%")
	r, ok := new(big.Rat), plainNumber(num)
	if ok {
		_, ok = r.SetString(num)
	}
	if !ok {
		return nil, fmt.Sprintf("%q is not a number (use a fraction like 1/4, a decimal like 0.25 or a percentage like 25%%)", s)
	}
	if pct {
		r.Quo(r, big.NewRat(100, 1))
	}
	if r.Sign() < 0 || r.Cmp(big.NewRat(1, 1)) > 0 {
		return nil, fmt.Sprintf("%q is outside [0, 1]", s)
	}
	return r, ""
}

// plainNumber reports whether s only has digits, at most one '.' or '/' and
// is short (no exponents: "1e-999999999" would be costly to build).
func plainNumber(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	seps := 0
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
		case c == '.' || c == '/':
			seps++
		default:
			return false
		}
	}
	return seps <= 1
}

// Parse parses k6's segment syntax: "from:to", or a single value v meaning
// "0:v". The empty string is the full run.
func Parse(s string) (Segment, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Full(), nil
	}
	from, to := "0", s
	if i := strings.IndexByte(s, ':'); i >= 0 {
		from, to = s[:i], s[i+1:]
	}
	f, problem := parsePoint(from)
	if problem != "" {
		return Segment{}, newErr(s, "%s", problem)
	}
	t, problem := parsePoint(to)
	if problem != "" {
		return Segment{}, newErr(s, "%s", problem)
	}
	if f.Cmp(t) >= 0 {
		return Segment{}, newErr(s, "the start must be less than the end")
	}
	return Segment{From: f, To: t}, nil
}

// ParseSequence parses a comma-separated, strictly increasing list of points
// in [0, 1] ("0,1/4,2/4,3/4,1"). 0 and 1 are added when missing. The empty
// string gives nil (no sequence).
func ParseSequence(s string) ([]*big.Rat, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	points := make([]*big.Rat, 0, len(parts)+2)
	for _, p := range parts {
		r, problem := parsePoint(p)
		if problem != "" {
			return nil, newErr(s, "%s", problem)
		}
		if n := len(points); n > 0 && points[n-1].Cmp(r) >= 0 {
			return nil, newErr(s, "the values must be strictly increasing")
		}
		points = append(points, r)
	}
	return fill(points), nil
}

// fill adds 0 at the start and 1 at the end when missing.
func fill(points []*big.Rat) []*big.Rat {
	if len(points) == 0 || points[0].Sign() != 0 {
		points = append([]*big.Rat{new(big.Rat)}, points...)
	}
	if one := big.NewRat(1, 1); points[len(points)-1].Cmp(one) != 0 {
		points = append(points, one)
	}
	return points
}

// Tuple is one instance's view of the run: its segment within the sequence,
// and the pattern that deals units to the sequence's segments. It is
// immutable and safe for concurrent use.
type Tuple struct {
	seg    Segment
	points []*big.Rat
	index  int     // this segment's index in the sequence
	period int64   // length of the dealing pattern (LCD of the points)
	counts []int64 // units per period of each segment
	// offsets of this segment's units within one period, increasing.
	offsets []int64
}

// NewTuple builds the tuple of seg within sequence points (as returned by
// ParseSequence; nil means the sequence "0, from, to, 1"). seg must be one of
// the sequence's segments.
func NewTuple(seg Segment, points []*big.Rat) (*Tuple, error) {
	if seg.From == nil || seg.To == nil {
		seg = Full()
	}
	if points == nil {
		points = fill([]*big.Rat{seg.From, seg.To})
	}
	index := -1
	for i := 0; i+1 < len(points); i++ {
		if points[i].Cmp(seg.From) == 0 && points[i+1].Cmp(seg.To) == 0 {
			index = i
			break
		}
	}
	if index < 0 {
		return nil, newErr(seg.String(), "not one of the segments of the sequence %s", seqString(points))
	}
	lcd := big.NewInt(1)
	for _, p := range points {
		d := p.Denom()
		g := new(big.Int).GCD(nil, nil, lcd, d)
		lcd.Mul(lcd, new(big.Int).Quo(d, g))
		if lcd.Cmp(big.NewInt(maxPeriod)) > 0 {
			return nil, newErr(seqString(points), "the sequence is too fine-grained (common denominator above %d)", maxPeriod)
		}
	}
	period := lcd.Int64()
	counts := make([]int64, len(points)-1)
	for i := range counts {
		l := new(big.Rat).Sub(points[i+1], points[i])
		l.Mul(l, new(big.Rat).SetInt64(period))
		counts[i] = l.Num().Int64() // exact: period is a multiple of every denominator
	}
	t := &Tuple{seg: seg, points: points, index: index, period: period, counts: counts}
	t.offsets = t.deal()
	return t, nil
}

// deal computes which units of one period belong to this tuple's segment:
// unit k goes to the segment with the largest deficit (k+1)*count_i/period -
// dealt_i, ties to the lowest index. After a whole period every segment has
// been dealt exactly count_i units, so the pattern repeats.
func (t *Tuple) deal() []int64 {
	n := len(t.counts)
	dealt := make([]int64, n)
	offsets := make([]int64, 0, t.counts[t.index])
	for k := int64(0); k < t.period; k++ {
		best, bestDef := -1, int64(0)
		for i := 0; i < n; i++ {
			def := (k+1)*t.counts[i] - t.period*dealt[i]
			if best < 0 || def > bestDef {
				best, bestDef = i, def
			}
		}
		dealt[best]++
		if best == t.index {
			offsets = append(offsets, k)
		}
	}
	return offsets
}

func seqString(points []*big.Rat) string {
	parts := make([]string, len(points))
	for i, p := range points {
		parts[i] = ratString(p)
	}
	return strings.Join(parts, ",")
}

// Segment returns the tuple's segment.
func (t *Tuple) Segment() Segment { return t.seg }

// String describes the tuple ("1/4:1/2 of 0,1/4,1/2,3/4,1").
func (t *Tuple) String() string { return t.seg.String() + " of " + seqString(t.points) }

// IsFull reports whether the tuple is the whole run (segment 0:1).
func (t *Tuple) IsFull() bool { return len(t.counts) == 1 }

// Scale returns this instance's share of n units: how many of the units
// 0..n-1 are its own. The shares of all the sequence's segments add up to n,
// and Scale is non-decreasing in n.
func (t *Tuple) Scale(n int64) int64 {
	if n <= 0 {
		return 0
	}
	per := int64(len(t.offsets))
	full, rest := n/t.period, n%t.period
	return full*per + int64(sort.Search(len(t.offsets), func(i int) bool { return t.offsets[i] >= rest }))
}

// GlobalIndex returns the run-wide number of this instance's j-th unit
// (j >= 0). Distinct instances never return the same number, and the numbers
// of an instance's first Scale(n) units are exactly its units below n.
func (t *Tuple) GlobalIndex(j int64) int64 {
	per := int64(len(t.offsets))
	return (j/per)*t.period + t.offsets[j%per]
}
