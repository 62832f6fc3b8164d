package output

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/stampede-load/stampede/metrics"
)

// jsonFlushInterval is how often the JSON output flushes its buffer to the file.
const jsonFlushInterval = 200 * time.Millisecond

// JSON is the `-o json=file` output: one JSON object per line, k6's format.
// The first sample of each metric is preceded by a Metric line
//
//	{"type":"Metric","data":{"name":..,"type":..,"contains":..,"thresholds":[..],"submetrics":[..]},"metric":..}
//
// and every sample is a Point line
//
//	{"type":"Point","data":{"time":..,"value":..,"tags":{..}},"metric":..}
//
// A file name ending in .gz is gzipped; "-" (or no name) writes to stdout.
type JSON struct {
	fileName   string
	stdout     io.Writer
	fw         *fileWriter
	seen       map[*metrics.Metric]bool
	thresholds map[string][]string
	subs       map[string][]jsonSubmetric
	buf        []byte
}

var (
	_ WithThresholds  = (*JSON)(nil)
	_ WithDescription = (*JSON)(nil)
)

type jsonSubmetric struct {
	Name   string            `json:"name"`
	Suffix string            `json:"suffix"`
	Tags   map[string]string `json:"tags"`
}

// NewJSON builds a JSON output; p.Arg is the file name.
func NewJSON(p Params) (Output, error) {
	return &JSON{fileName: p.Arg, stdout: p.Stdout, seen: map[*metrics.Metric]bool{}}, nil
}

// Description implements WithDescription.
func (j *JSON) Description() string {
	if j.fileName == "" || j.fileName == "-" {
		return "json (stdout)"
	}
	return "json (" + j.fileName + ")"
}

// SetThresholds implements WithThresholds: Metric lines list the thresholds
// and sub-metrics of their metric.
func (j *JSON) SetThresholds(ths []metrics.MetricThresholds) {
	j.thresholds = map[string][]string{}
	j.subs = map[string][]jsonSubmetric{}
	for _, mt := range ths {
		if mt.Key.Selector != "" {
			j.subs[mt.Key.Name] = append(j.subs[mt.Key.Name], jsonSubmetric{Name: mt.Key.String(), Suffix: mt.Key.Selector, Tags: mt.Key.Tags.Map()})
			continue
		}
		for _, th := range mt.Thresholds {
			j.thresholds[mt.Key.Name] = append(j.thresholds[mt.Key.Name], th.Source)
		}
	}
}

// Start implements Output: it creates the file.
func (j *JSON) Start() error {
	fw, err := openFileWriter(j.fileName, j.stdout, jsonFlushInterval)
	if err != nil {
		return err
	}
	j.fw = fw
	return nil
}

// AddSamples implements Output.
func (j *JSON) AddSamples(batch []metrics.Sample) {
	b := j.buf[:0]
	for i := range batch {
		s := &batch[i]
		if s.Metric == nil {
			continue
		}
		if !j.seen[s.Metric] {
			j.seen[s.Metric] = true
			b = j.appendMetricLine(b, s.Metric)
		}
		b = appendPointLine(b, s)
	}
	j.buf = b
	j.fw.write(func(w *bufio.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// Stop implements Output: the file is flushed, gzip-terminated and closed.
func (j *JSON) Stop() error {
	if j.fw == nil {
		return nil
	}
	return j.fw.close()
}

func (j *JSON) appendMetricLine(b []byte, m *metrics.Metric) []byte {
	ths := j.thresholds[m.Name]
	if ths == nil {
		ths = []string{}
	}
	subs := j.subs[m.Name]
	if m.Name == metrics.HTTPReqDurationName {
		subs = append([]jsonSubmetric{{
			Name:   m.Name + "{" + metrics.ExpectedResponseSelector + "}",
			Suffix: metrics.ExpectedResponseSelector,
			Tags:   map[string]string{"expected_response": "true"},
		}}, subs...)
	}
	line := struct {
		Type string `json:"type"`
		Data struct {
			Name       string          `json:"name"`
			Type       string          `json:"type"`
			Contains   string          `json:"contains"`
			Thresholds []string        `json:"thresholds"`
			Submetrics []jsonSubmetric `json:"submetrics"`
		} `json:"data"`
		Metric string `json:"metric"`
	}{Type: "Metric", Metric: m.Name}
	line.Data.Name, line.Data.Type, line.Data.Contains = m.Name, m.Type.String(), m.Contains.String()
	line.Data.Thresholds, line.Data.Submetrics = ths, subs
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // "p(95)<200", not "p(95)\u003c200"
	_ = enc.Encode(line)     // plain strings, slices and maps: cannot fail
	return append(b, buf.Bytes()...)
}

// appendPointLine encodes one Point line by hand: it is the hot path of the
// output (one per sample) and encoding/json would allocate per tag map.
func appendPointLine(b []byte, s *metrics.Sample) []byte {
	b = append(b, `{"type":"Point","data":{"time":"`...)
	b = s.Time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","value":`...)
	b = appendJSONNumber(b, s.Value)
	b = append(b, `,"tags":`...)
	if s.Tags.Len() == 0 {
		b = append(b, "null"...)
	} else {
		b = append(b, '{')
		for i, t := range s.Tags.Tags() {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, t.Key)
			b = append(b, ':')
			b = appendJSONString(b, t.Value)
		}
		b = append(b, '}')
	}
	if len(s.Metadata) > 0 {
		meta, _ := json.Marshal(s.Metadata)
		b = append(b, `,"metadata":`...)
		b = append(b, meta...)
	}
	b = append(b, `},"metric":`...)
	b = appendJSONString(b, s.Metric.Name)
	return append(b, "}\n"...)
}

// appendJSONNumber formats like encoding/json (non-finite values become null).
func appendJSONNumber(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	if a := math.Abs(v); a != 0 && (a < 1e-6 || a >= 1e21) {
		return strconv.AppendFloat(b, v, 'e', -1, 64)
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string, escaping what JSON requires
// and replacing invalid UTF-8. Runs of bytes that need no escaping are
// copied at once.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r != utf8.RuneError || size != 1 {
				i += size
				continue
			}
		}
		b = append(b, s[start:i]...)
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default: // invalid UTF-8 byte
			b = append(b, `\ufffd`...)
		}
		i++
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
