package summary

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/stampede-load/stampede/metrics"
)

// Export renders k6's legacy --summary-export JSON: `root_group` with groups
// and checks as objects keyed by name, and `metrics` with flattened values
// (counter {count, rate}; gauge {value, min, max}; rate {passes, fails,
// value}; trend stats) where `thresholds` maps each expression to whether it
// FAILED (k6's historical inversion, kept for compatibility).
func (s *Summary) Export() ([]byte, error) {
	type legacy struct {
		RootGroup map[string]any            `json:"root_group"`
		Metrics   map[string]map[string]any `json:"metrics"`
	}
	out := legacy{RootGroup: legacyGroup(s.data.RootGroup), Metrics: make(map[string]map[string]any, len(s.data.Metrics))}
	for key, m := range s.data.Metrics {
		vals := make(map[string]any, len(m.Values)+1)
		for k, v := range m.Values {
			vals[k] = v
		}
		if m.Type == metrics.Rate {
			delete(vals, "rate")
			vals["value"] = m.Values["rate"]
		}
		if len(m.Thresholds) > 0 {
			th := make(map[string]bool, len(m.Thresholds))
			for src, r := range m.Thresholds {
				th[src] = !r.OK
			}
			vals["thresholds"] = th
		}
		out.Metrics[key] = vals
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep "p(95)<200" readable, as k6 does
	enc.SetIndent("", "    ")
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("encoding the summary export: %w", err)
	}
	return buf.Bytes(), nil
}

func legacyGroup(g *Group) map[string]any {
	groups := make(map[string]any, len(g.Groups))
	for _, c := range g.Groups {
		groups[c.Name] = legacyGroup(c)
	}
	checks := make(map[string]any, len(g.Checks))
	for _, c := range g.Checks {
		checks[c.Name] = c
	}
	return map[string]any{"name": g.Name, "path": g.Path, "id": g.ID, "groups": groups, "checks": checks}
}
