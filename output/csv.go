package output

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/stampede-load/stampede/config"
	"github.com/stampede-load/stampede/metrics"
)

// csvColumns are k6's CSV columns: the sample, the well-known system tags,
// and every other tag in extra_tags as k=v pairs joined by '&'.
var csvColumns = []string{"metric_name", "timestamp", "metric_value", "check", "error", "error_code", "group", "method", "name", "proto", "scenario", "status", "subproto", "tls_version", "url", "extra_tags"}

// csvTagColumns are the tag columns, in csvColumns order.
var csvTagColumns = csvColumns[3 : len(csvColumns)-1]

// CSV time formats (timeFormat / K6_CSV_TIME_FORMAT).
var csvTimeFormats = map[string]func(time.Time) string{
	"unix":         func(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) },
	"unix_milli":   func(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) },
	"unix_micro":   func(t time.Time) string { return strconv.FormatInt(t.UnixMicro(), 10) },
	"unix_nano":    func(t time.Time) string { return strconv.FormatInt(t.UnixNano(), 10) },
	"rfc3339":      func(t time.Time) string { return t.Format(time.RFC3339) },
	"rfc3339_nano": func(t time.Time) string { return t.Format(time.RFC3339Nano) },
}

// CSVConfig are the CSV output's options, with k6's names and defaults.
type CSVConfig struct {
	// FileName (fileName, K6_CSV_FILENAME): default "file.csv"; ".gz" gzips.
	FileName string
	// SaveInterval (saveInterval, K6_CSV_SAVE_INTERVAL): how often the
	// buffer is written to the file; default 1s.
	SaveInterval time.Duration
	// TimeFormat (timeFormat, K6_CSV_TIME_FORMAT): unix (default),
	// unix_milli, unix_micro, unix_nano, rfc3339 or rfc3339_nano.
	TimeFormat string
}

// ParseCSVConfig layers the CSV options: defaults, then the K6_CSV_*
// environment variables, then the -o argument, which is either a file name
// ("results.csv") or options ("fileName=results.csv,saveInterval=2s,timeFormat=rfc3339").
// Errors wrap ErrInvalidSpec and report every problem at once.
func ParseCSVConfig(arg string, env map[string]string) (CSVConfig, error) {
	c := CSVConfig{FileName: "file.csv", SaveInterval: time.Second, TimeFormat: "unix"}
	var errs []string
	set := func(key, val, source string) {
		switch key {
		case "fileName":
			c.FileName = val
		case "saveInterval":
			d, err := parseInterval(val)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s saveInterval %q: expected a duration like 1s or a number of milliseconds", source, val))
				return
			}
			c.SaveInterval = d
		case "timeFormat":
			if _, ok := csvTimeFormats[val]; !ok {
				errs = append(errs, fmt.Sprintf("%s timeFormat %q: expected unix, unix_milli, unix_micro, unix_nano, rfc3339 or rfc3339_nano", source, val))
				return
			}
			c.TimeFormat = val
		default:
			errs = append(errs, fmt.Sprintf("unknown csv option %q: expected fileName, saveInterval or timeFormat", key))
		}
	}
	for _, e := range [][2]string{{"K6_CSV_FILENAME", "fileName"}, {"K6_CSV_SAVE_INTERVAL", "saveInterval"}, {"K6_CSV_TIME_FORMAT", "timeFormat"}} {
		if v := env[e[0]]; v != "" {
			set(e[1], v, e[0])
		}
	}
	if arg != "" {
		if !strings.Contains(arg, "=") {
			c.FileName = arg
		} else {
			for _, kv := range strings.Split(arg, ",") {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					errs = append(errs, fmt.Sprintf("csv option %q is not key=value", kv))
					continue
				}
				set(strings.TrimSpace(k), strings.TrimSpace(v), "csv option")
			}
		}
	}
	if c.SaveInterval <= 0 {
		errs = append(errs, fmt.Sprintf("csv saveInterval must be positive, got %s", c.SaveInterval))
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("%w: %s", ErrInvalidSpec, strings.Join(errs, "; "))
	}
	return c, nil
}

func parseInterval(s string) (time.Duration, error) {
	if ms, err := strconv.ParseFloat(s, 64); err == nil {
		return time.Duration(ms * float64(time.Millisecond)), nil
	}
	return config.ParseDuration(s)
}

// CSV is the `-o csv=file` output in k6's format.
type CSV struct {
	cfg    CSVConfig
	stdout io.Writer
	fw     *fileWriter
	format func(time.Time) string
	row    []string
	extra  strings.Builder
}

var _ WithDescription = (*CSV)(nil)

// NewCSV builds a CSV output from p.Arg and the K6_CSV_* variables in p.Env.
func NewCSV(p Params) (Output, error) {
	cfg, err := ParseCSVConfig(p.Arg, p.Env)
	if err != nil {
		return nil, err
	}
	return &CSV{cfg: cfg, stdout: p.Stdout, format: csvTimeFormats[cfg.TimeFormat], row: make([]string, len(csvColumns))}, nil
}

// Config returns the output's options.
func (c *CSV) Config() CSVConfig { return c.cfg }

// Description implements WithDescription.
func (c *CSV) Description() string { return "csv (" + c.cfg.FileName + ")" }

// Start implements Output: it creates the file and writes the header.
func (c *CSV) Start() error {
	fw, err := openFileWriter(c.cfg.FileName, c.stdout, c.cfg.SaveInterval)
	if err != nil {
		return err
	}
	c.fw = fw
	c.fw.write(func(w *bufio.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.Write(csvColumns); err != nil {
			return err
		}
		cw.Flush()
		return cw.Error()
	})
	return nil
}

// AddSamples implements Output.
func (c *CSV) AddSamples(batch []metrics.Sample) {
	c.fw.write(func(w *bufio.Writer) error {
		cw := csv.NewWriter(w)
		for i := range batch {
			s := &batch[i]
			if s.Metric == nil {
				continue
			}
			c.fill(s)
			if err := cw.Write(c.row); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	})
}

func (c *CSV) fill(s *metrics.Sample) {
	c.row[0] = s.Metric.Name
	c.row[1] = c.format(s.Time)
	c.row[2] = strconv.FormatFloat(s.Value, 'f', 6, 64)
	for i, k := range csvTagColumns {
		c.row[3+i], _ = s.Tags.Get(k)
	}
	c.extra.Reset()
	for _, t := range s.Tags.Tags() {
		if isCSVTagColumn(t.Key) {
			continue
		}
		if c.extra.Len() > 0 {
			c.extra.WriteByte('&')
		}
		c.extra.WriteString(t.Key)
		c.extra.WriteByte('=')
		c.extra.WriteString(t.Value)
	}
	c.row[len(c.row)-1] = c.extra.String()
}

func isCSVTagColumn(k string) bool {
	for _, c := range csvTagColumns {
		if c == k {
			return true
		}
	}
	return false
}

// Stop implements Output: the file is flushed and closed.
func (c *CSV) Stop() error {
	if c.fw == nil {
		return nil
	}
	return c.fw.close()
}
