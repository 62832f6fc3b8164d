package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"sort"
	"strconv"
	"strings"
)

// DecodeOptions decodes a script's `export const options` (as JSON) strictly:
// a value of the wrong type is an error naming the option, the value and what
// is allowed; every such problem is reported (errors.Join), each wrapping
// ErrInvalidConfig. Unknown keys are not errors: they are returned as
// warnings, as are k6 options Stampede does not implement.
//
// Scenarios are kept as raw JSON here; ParseScenarios decodes them.
func DecodeOptions(data []byte) (Options, []string, error) {
	var o Options
	data = bytes.TrimSpace(data)
	if len(data) == 0 || string(data) == "null" {
		return o, nil, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return o, nil, optErr("options", rawValue(data), "expected an object")
	}
	return decodeOptions(obj, "the script's options")
}

// decodeOptions decodes the options in obj; where names them in warnings.
func decodeOptions(obj map[string]json.RawMessage, where string) (Options, []string, error) {
	var (
		o     Options
		errs  []error
		warns []string
	)
	fields := optionFields(&o)
	for _, key := range sortedKeys(obj) {
		raw := obj[key]
		if dec, ok := fields[key]; ok {
			if err := dec(key, raw); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		if _, ok := unsupportedK6Options[key]; ok {
			warns = append(warns, "option \""+key+"\" is a k6 option Stampede does not support; it is ignored")
			continue
		}
		warns = append(warns, "unknown option \""+key+"\" in "+where+"; it is ignored")
	}
	return o, warns, errors.Join(errs...)
}

// unsupportedK6Options are k6 option names Stampede accepts and ignores.
var unsupportedK6Options = map[string]struct{}{
	"ext": {}, "cloud": {},
	"metricSamplesBufferSize": {}, "browser": {}, "webDashboard": {},
}

// fieldDecoder decodes the JSON value of one option into its destination.
type fieldDecoder func(path string, raw json.RawMessage) error

// optionFields maps each JSON option name of Options to its decoder.
func optionFields(o *Options) map[string]fieldDecoder {
	return map[string]fieldDecoder{
		"vus":                      decInt(&o.VUs),
		"duration":                 decDuration(&o.Duration),
		"iterations":               decInt(&o.Iterations),
		"stages":                   decStages(&o.Stages),
		"scenarios":                decRawMap(&o.Scenarios),
		"executionSegment":         decString(&o.ExecutionSegment),
		"executionSegmentSequence": decString(&o.ExecutionSegmentSequence),
		"setupTimeout":             decDuration(&o.SetupTimeout),
		"teardownTimeout":          decDuration(&o.TeardownTimeout),
		"noSetup":                  decBool(&o.NoSetup),
		"paused":                   decBool(&o.Paused),
		"noTeardown":               decBool(&o.NoTeardown),
		"minIterationDuration":     decDuration(&o.MinIterationDuration),
		"thresholds":               decThresholds(&o.Thresholds),
		"noThresholds":             decBool(&o.NoThresholds),
		"tags":                     decStringMap(&o.Tags),
		"systemTags":               decStringSlice(&o.SystemTags),
		"summaryTrendStats":        decStringSlice(&o.SummaryTrendStats),
		"summaryTimeUnit":          decString(&o.SummaryTimeUnit),
		"noSummary":                decBool(&o.NoSummary),
		"userAgent":                decString(&o.UserAgent),
		"discardResponseBodies":    decBool(&o.DiscardResponseBodies),
		"insecureSkipTLSVerify":    decBool(&o.InsecureSkipTLSVerify),
		"tlsVersion":               decTLSVersions(&o.TLSVersion),
		"tlsCipherSuites":          decStringSlice(&o.TLSCipherSuites),
		"tlsAuth":                  decTLSAuth(&o.TLSAuth),
		"hosts":                    decStringMap(&o.Hosts),
		"dns":                      decDNS(&o.DNS),
		"rps":                      decInt(&o.RPS),
		"blacklistIPs":             decStringSlice(&o.BlacklistIPs),
		"blockHostnames":           decStringSlice(&o.BlockHostnames),
		"localIPs":                 decLocalIPs(&o.LocalIPs),
		"noConnectionReuse":        decBool(&o.NoConnectionReuse),
		"noVUConnectionReuse":      decBool(&o.NoVUConnectionReuse),
		"noCookiesReset":           decBool(&o.NoCookiesReset),
		"maxRedirects":             decInt(&o.MaxRedirects),
		"batch":                    decInt(&o.Batch),
		"batchPerHost":             decInt(&o.BatchPerHost),
		"throw":                    decBool(&o.Throw),
		"httpDebug":                decHTTPDebug(&o.HTTPDebug),
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func isNull(raw json.RawMessage) bool {
	return string(bytes.TrimSpace(raw)) == "null"
}

// kindOf returns the first byte of a JSON value, which tells its kind.
func kindOf(raw json.RawMessage) byte {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return 0
	}
	return raw[0]
}

const (
	wantInteger  = "expected an integer"
	wantBool     = "expected true or false"
	wantString   = "expected a string"
	wantDuration = `expected a duration string like "30s", "1m30s" or "1d2h", or a number of milliseconds`
)

// parseJSONInt accepts a JSON number with an integral value within int64.
func parseJSONInt(raw json.RawMessage) (int64, bool) {
	s := string(bytes.TrimSpace(raw))
	if s == "" || !(s[0] == '-' || (s[0] >= '0' && s[0] <= '9')) {
		return 0, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || f > math.MaxInt64 || f < math.MinInt64 {
		return 0, false
	}
	return int64(f), true
}

func decInt(dst **int64) fieldDecoder {
	return func(path string, raw json.RawMessage) error {
		if isNull(raw) {
			return nil
		}
		n, ok := parseJSONInt(raw)
		if !ok {
			return optErr(path, rawValue(raw), wantInteger)
		}
		*dst = &n
		return nil
	}
}

func decBool(dst **bool) fieldDecoder {
	return func(path string, raw json.RawMessage) error {
		if isNull(raw) {
			return nil
		}
		var b bool
		if k := kindOf(raw); k != 't' && k != 'f' || json.Unmarshal(raw, &b) != nil {
			return optErr(path, rawValue(raw), wantBool)
		}
		*dst = &b
		return nil
	}
}

func decString(dst **string) fieldDecoder {
	return func(path string, raw json.RawMessage) error {
		if isNull(raw) {
			return nil
		}
		var s string
		if kindOf(raw) != '"' || json.Unmarshal(raw, &s) != nil {
			return optErr(path, rawValue(raw), wantString)
		}
		*dst = &s
		return nil
	}
}

func decHTTPDebug(dst **string) fieldDecoder {
	return func(path string, raw json.RawMessage) error {
		if isNull(raw) {
			return nil
		}
		// k6 accepts httpDebug as a string ("full", "headers"); true means "headers".
		switch kindOf(raw) {
		case 't':
			s := "headers"
			*dst = &s
			return nil
		case 'f':
			s := ""
			*dst = &s
			return nil
		}
		return decString(dst)(path, raw)
	}
}

// decodeDurationValue decodes a k6 duration: a string or milliseconds.
func decodeDurationValue(path string, raw json.RawMessage) (Duration, error) {
	var d Duration
	switch kindOf(raw) {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, optErr(path, rawValue(raw), wantDuration)
		}
		v, err := ParseDuration(s)
		if err != nil {
			return 0, optErr(path, rawValue(raw), wantDuration)
		}
		return Duration(v), nil
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		if err := d.UnmarshalJSON(raw); err != nil {
			return 0, optErr(path, rawValue(raw), wantDuration)
		}
		return d, nil
	}
	return 0, optErr(path, rawValue(raw), wantDuration)
}

func decDuration(dst **Duration) fieldDecoder {
	return func(path string, raw json.RawMessage) error {
		if isNull(raw) {
			return nil
		}
		d, err := decodeDurationValue(path, raw)
		if err != nil {
			return err
		}
		*dst = &d
		return nil
	}
}

// decodeStages decodes an array of {duration, target}; every element's
// problems are reported.
func decodeStages(path string, raw json.RawMessage) ([]Stage, error) {
	var elems []json.RawMessage
	if kindOf(raw) != '[' || json.Unmarshal(raw, &elems) != nil {
		return nil, optErr(path, rawValue(raw), "expected an array of stages like [{\"duration\": \"30s\", \"target\": 10}]")
	}
	stages := make([]Stage, len(elems))
	var errs []error
	for i, el := range elems {
		p := path + "[" + strconv.Itoa(i) + "]"
		var obj map[string]json.RawMessage
		if kindOf(el) != '{' || json.Unmarshal(el, &obj) != nil {
			errs = append(errs, optErr(p, rawValue(el), "expected a stage like {\"duration\": \"30s\", \"target\": 10}"))
			continue
		}
		var (
			dur    *Duration
			target *int64
		)
		fields := map[string]fieldDecoder{"duration": decDuration(&dur), "target": decInt(&target)}
		errs = append(errs, decodeStrictObject(p, obj, fields)...)
		if _, ok := obj["duration"]; !ok {
			errs = append(errs, optErr(p+".duration", nil, "a stage needs a duration"))
		}
		if dur != nil {
			stages[i].Duration = *dur
		}
		if target != nil {
			stages[i].Target = *target
		}
	}
	return stages, errors.Join(errs...)
}

func decStages(dst *[]Stage) fieldDecoder {
	return func(path string, raw json.RawMessage) error {
		if isNull(raw) {
			return nil
		}
		s, err := decodeStages(path, raw)
		if err != nil {
			return err
		}
		*dst = s
		return nil
	}
}

// decodeStrictObject decodes obj's keys with fields; unknown keys are errors.
func decodeStrictObject(path string, obj map[string]json.RawMessage, fields map[string]fieldDecoder) []error {
	var errs []error
	for _, k := range sortedKeys(obj) {
		dec, ok := fields[k]
		if !ok {
			errs = append(errs, optErr(path+"."+k, nil, "unknown option; allowed here: %s", strings.Join(sortedKeys(fields), ", ")))
			continue
		}
		if err := dec(path+"."+k, obj[k]); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

func decStringMap(dst *map[string]string) fieldDecoder {
	return func(path string, raw json.RawMessage) error {
		if isNull(raw) {
			return nil
		}
		var obj map[string]json.RawMessage
		if kindOf(raw) != '{' || json.Unmarshal(raw, &obj) != nil {
			return optErr(path, rawValue(raw), "expected an object of string values")
		}
		m := make(map[string]string, len(obj))
		var errs []error
		for _, k := range sortedKeys(obj) {
			var s string
			if kindOf(obj[k]) != '"' || json.Unmarshal(obj[k], &s) != nil {
				errs = append(errs, optErr(path+"."+k, rawValue(obj[k]), wantString))
				continue
			}
			m[k] = s
		}
		if len(errs) > 0 {
			return errors.Join(errs...)
		}
		*dst = m
		return nil
	}
}

func decStringSlice(dst *[]string) fieldDecoder {
	return func(path string, raw json.RawMessage) error {
		if isNull(raw) {
			return nil
		}
		var elems []json.RawMessage
		if kindOf(raw) != '[' || json.Unmarshal(raw, &elems) != nil {
			return optErr(path, rawValue(raw), "expected an array of strings")
		}
		out := make([]string, len(elems))
		var errs []error
		for i, el := range elems {
			if kindOf(el) != '"' || json.Unmarshal(el, &out[i]) != nil {
				errs = append(errs, optErr(path+"["+strconv.Itoa(i)+"]", rawValue(el), wantString))
			}
		}
		if len(errs) > 0 {
			return errors.Join(errs...)
		}
		*dst = out
		return nil
	}
}

func decRawMap(dst *map[string]json.RawMessage) fieldDecoder {
	return func(path string, raw json.RawMessage) error {
		if isNull(raw) {
			return nil
		}
		var m map[string]json.RawMessage
		if kindOf(raw) != '{' || json.Unmarshal(raw, &m) != nil {
			return optErr(path, rawValue(raw), "expected an object")
		}
		if m == nil {
			m = map[string]json.RawMessage{}
		}
		*dst = m
		return nil
	}
}

func decThresholds(dst *map[string]Thresholds) fieldDecoder {
	return func(path string, raw json.RawMessage) error {
		if isNull(raw) {
			return nil
		}
		var obj map[string]json.RawMessage
		if kindOf(raw) != '{' || json.Unmarshal(raw, &obj) != nil {
			return optErr(path, rawValue(raw), "expected an object mapping metric names to threshold expressions")
		}
		m := make(map[string]Thresholds, len(obj))
		var errs []error
		for _, k := range sortedKeys(obj) {
			p := path + "[" + strconv.Quote(k) + "]"
			var ts Thresholds
			switch kindOf(obj[k]) {
			case '"', '{', '[':
				if err := json.Unmarshal(obj[k], &ts); err == nil {
					m[k] = ts
					continue
				}
			}
			errs = append(errs, optErr(p, rawValue(obj[k]),
				`expected a threshold expression like "p(95)<500", an object {threshold, abortOnFail, delayAbortEval} or an array of them`))
		}
		if len(errs) > 0 {
			return errors.Join(errs...)
		}
		*dst = m
		return nil
	}
}

func decTLSVersions(dst **TLSVersions) fieldDecoder {
	return func(path string, raw json.RawMessage) error {
		if isNull(raw) {
			return nil
		}
		var v TLSVersions
		switch kindOf(raw) {
		case '"':
			if err := v.UnmarshalJSON(raw); err == nil {
				*dst = &v
				return nil
			}
		case '{':
			var obj map[string]json.RawMessage
			if json.Unmarshal(raw, &obj) == nil {
				var lo, hi *string
				errs := decodeStrictObject(path, obj, map[string]fieldDecoder{"min": decString(&lo), "max": decString(&hi)})
				if len(errs) > 0 {
					return errors.Join(errs...)
				}
				v.Min, v.Max = String(lo, ""), String(hi, "")
				*dst = &v
				return nil
			}
		}
		return optErr(path, rawValue(raw), `expected a TLS version like "tls1.2" or {"min": "tls1.2", "max": "tls1.3"}`)
	}
}
