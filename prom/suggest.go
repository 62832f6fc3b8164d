package prom

import (
	"regexp"
	"sort"
	"strings"
)

// promqlKeywords are identifiers of PromQL that are never metric names when
// they appear bare: aggregations, binary operators, modifiers and literals.
var promqlKeywords = map[string]bool{
	"sum": true, "min": true, "max": true, "avg": true, "group": true, "stddev": true,
	"stdvar": true, "count": true, "count_values": true, "bottomk": true, "topk": true,
	"quantile": true, "limitk": true, "limit_ratio": true,
	"by": true, "without": true, "on": true, "ignoring": true, "group_left": true,
	"group_right": true, "offset": true, "bool": true, "and": true, "or": true,
	"unless": true, "atan2": true, "inf": true, "nan": true,
}

// groupingKeywords take a parenthesised list of label names.
var groupingKeywords = map[string]bool{
	"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
}

var nameMatcherRe = regexp.MustCompile("__name__\\s*=\\s*[\"'`]([a-zA-Z_:][a-zA-Z0-9_:]*)[\"'`]")

func isIdentStart(b byte) bool {
	return b == '_' || b == ':' || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z')
}

func isIdentPart(b byte) bool { return isIdentStart(b) || (b >= '0' && b <= '9') }

// MetricNamesInQuery returns the metric names a PromQL expression selects, in
// order of appearance and without duplicates: bare selectors (`up`,
// `rate(x_total[5m])`) and `{__name__="x"}` matchers. Function names,
// keywords, label names, strings, numbers and durations are skipped. It is a
// lexical scan, not a full parser: good enough to explain an empty result.
func MetricNamesInQuery(q string) []string {
	var (
		out  []string
		seen = map[string]bool{}
	)
	add := func(n string) {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	skipSpace := func(i int) int {
		for i < len(q) && (q[i] == ' ' || q[i] == '\t' || q[i] == '\n' || q[i] == '\r') {
			i++
		}
		return i
	}
	// closing returns the index just after the delimiter matching q[i],
	// honouring quoted strings.
	closing := func(i int, open, close byte) int {
		depth := 0
		for i < len(q) {
			switch c := q[i]; {
			case c == '"' || c == '\'' || c == '`':
				i = skipString(q, i)
				continue
			case c == open:
				depth++
			case c == close:
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == '"' || c == '\'' || c == '`':
			i = skipString(q, i)
		case c == '#': // comment to end of line
			for i < len(q) && q[i] != '\n' {
				i++
			}
		case c == '{':
			end := closing(i, '{', '}')
			for _, m := range nameMatcherRe.FindAllStringSubmatch(q[i:end], -1) {
				add(m[1])
			}
			i = end
		case c == '[':
			i = closing(i, '[', ']')
		case (c >= '0' && c <= '9') || c == '.':
			for i < len(q) && (isIdentPart(q[i]) || q[i] == '.') {
				i++
			}
		case isIdentStart(c):
			start := i
			for i < len(q) && isIdentPart(q[i]) {
				i++
			}
			word := q[start:i]
			next := skipSpace(i)
			lower := strings.ToLower(word)
			switch {
			case groupingKeywords[lower] && next < len(q) && q[next] == '(':
				i = closing(next, '(', ')')
			case promqlKeywords[lower]:
			case next < len(q) && q[next] == '(':
				// a function call
			default:
				add(word)
			}
		default:
			i++
		}
	}
	return out
}

// skipString returns the index just after the string literal starting at q[i].
func skipString(q string, i int) int {
	quote := q[i]
	i++
	for i < len(q) {
		switch q[i] {
		case '\\':
			if quote != '`' {
				i += 2
				continue
			}
		case quote:
			return i + 1
		}
		i++
	}
	return i
}

// SuggestMetricNames returns up to n names from known that are close to
// name, best first. Closeness is the larger of the token overlap (Jaccard
// index of the `_`/`:`-separated words, so redis_used_memory_bytes matches
// redis_memory_used_bytes fully) and the edit-distance similarity
// (1 - distance/longer length); names scoring under 0.6 are not suggested.
func SuggestMetricNames(name string, known []string, n int) []string {
	type cand struct {
		name  string
		score float64
		dist  int
	}
	const threshold = 0.6
	words := tokenSet(name)
	var cands []cand
	for _, k := range known {
		if k == name {
			continue
		}
		d := levenshtein(name, k)
		longer := max(len(name), len(k))
		score := 1 - float64(d)/float64(longer)
		if j := jaccard(words, tokenSet(k)); j > score {
			score = j
		}
		if score >= threshold {
			cands = append(cands, cand{k, score, d})
		}
	}
	sort.Slice(cands, func(i, j int) bool {
		a, b := cands[i], cands[j]
		if a.score != b.score {
			return a.score > b.score
		}
		if a.dist != b.dist {
			return a.dist < b.dist
		}
		return a.name < b.name
	})
	if len(cands) > n {
		cands = cands[:n]
	}
	out := make([]string, len(cands))
	for i, c := range cands {
		out[i] = c.name
	}
	return out
}

func tokenSet(s string) map[string]bool {
	out := map[string]bool{}
	for _, t := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return r == '_' || r == ':' }) {
		out[t] = true
	}
	return out
}

func jaccard(a, b map[string]bool) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 0
	}
	inter := 0
	for t := range a {
		if b[t] {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

// levenshtein is the edit distance between a and b (bytes; metric names are ASCII).
func levenshtein(a, b string) int {
	if len(a) < len(b) {
		a, b = b, a
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
