package compiler

import (
	"errors"
	"strings"
)

// sobek looks a position up in a source map with its 1-based column and
// reports the mapped column as found there, while source maps store 0-based
// columns. shiftColumns makes every generated and original column 1-based so
// that lookups and reported columns are exact. Columns are delta-encoded:
// generated columns restart on each line, original columns run across the
// whole map, so only the first segment of each line (generated) and the first
// segment with a source (original) change.
func shiftColumns(mappings string) (string, error) {
	var b strings.Builder
	b.Grow(len(mappings) + len(mappings)/8)
	origShifted := false
	for li, line := range strings.Split(mappings, ";") {
		if li > 0 {
			b.WriteByte(';')
		}
		for si, seg := range strings.Split(line, ",") {
			if si > 0 {
				b.WriteByte(',')
			}
			if seg == "" {
				continue
			}
			if si > 0 && origShifted {
				b.WriteString(seg)
				continue
			}
			fields, err := decodeVLQ(seg)
			if err != nil {
				return "", err
			}
			if si == 0 {
				fields[0]++
			}
			if !origShifted && len(fields) >= 4 {
				fields[3]++
				origShifted = true
			}
			for _, f := range fields {
				encodeVLQ(&b, f)
			}
		}
	}
	return b.String(), nil
}

const b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

var b64index = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := range len(b64chars) {
		t[b64chars[i]] = int8(i)
	}
	return
}()

var errBadVLQ = errors.New("malformed VLQ segment")

func decodeVLQ(s string) ([]int, error) {
	var out []int
	val, shift := 0, 0
	for i := range len(s) {
		d := b64index[s[i]]
		if d < 0 {
			return nil, errBadVLQ
		}
		val |= int(d&31) << shift
		if d&32 != 0 {
			shift += 5
			continue
		}
		if val&1 != 0 {
			out = append(out, -(val >> 1))
		} else {
			out = append(out, val>>1)
		}
		val, shift = 0, 0
	}
	if shift != 0 {
		return nil, errBadVLQ
	}
	return out, nil
}

func encodeVLQ(b *strings.Builder, v int) {
	u := v << 1
	if v < 0 {
		u = (-v << 1) | 1
	}
	for {
		d := u & 31
		u >>= 5
		if u > 0 {
			d |= 32
		}
		b.WriteByte(b64chars[d])
		if u == 0 {
			return
		}
	}
}
