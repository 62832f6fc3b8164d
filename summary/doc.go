// Package summary builds the end-of-test summary of a run from a metrics
// Snapshot: the data k6 passes to handleSummary(data), k6's v1 text summary
// (compact, or full with per-scenario and per-group parts), and the legacy
// --summary-export JSON.
//
// Typical use at the end of a run:
//
//	s, err := summary.New(engine.Snapshot(), summary.Options{...})
//	data, _ := s.Map()        // for handleSummary
//	s.WriteText(os.Stdout, color)
//	b, _ := s.Export()        // --summary-export=file.json
package summary
