package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// DecodeConfigFile decodes a k6 JSON configuration file (`--config`,
// `K6_CONFIG`): the options a script exports, plus k6's run settings "out"
// (a string or a list of outputs) and "noUsageReport" (accepted; Stampede
// never reports usage). path names the file in warnings and errors; each
// error wraps ErrInvalidConfig, as for the script's options.
func DecodeConfigFile(data []byte, path string) (Config, []string, error) {
	var c Config
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return c, nil, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return c, nil, fmt.Errorf("config file %s: expected a JSON object of k6 options (%v): %w", path, err, ErrInvalidConfig)
	}
	var errs []error
	if raw, ok := obj["out"]; ok {
		delete(obj, "out")
		var one string
		var many []string
		switch {
		case json.Unmarshal(raw, &one) == nil:
			c.Out = []string{one}
		case json.Unmarshal(raw, &many) == nil:
			c.Out = many
		default:
			errs = append(errs, optErr("out", rawValue(raw), "a string or a list of strings, e.g. \"json=results.json\""))
		}
	}
	delete(obj, "noUsageReport")
	o, warns, err := decodeOptions(obj, "config file "+path)
	c.Options = o
	if err := errors.Join(append(errs, err)...); err != nil {
		return c, warns, fmt.Errorf("config file %s: %w", path, err)
	}
	return c, warns, nil
}
