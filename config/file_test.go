package config

import (
	"errors"
	"strings"
	"testing"
)

func TestDecodeConfigFile(t *testing.T) {
	c, warns, err := DecodeConfigFile([]byte(`{"vus": 3, "out": ["json=a.json", "csv=b.csv"], "noUsageReport": true, "localIPs": "10.0.0.1", "metricSamplesBufferSize": 1000}`), "/etc/k6.json")
	if err != nil {
		t.Fatal(err)
	}
	if *c.VUs != 3 || strings.Join(c.Out, " ") != "json=a.json csv=b.csv" || c.LocalIPs.String() != "10.0.0.1" {
		t.Errorf("decoded vus %v out %v localIPs %v", c.VUs, c.Out, c.LocalIPs)
	}
	if len(warns) != 1 || !strings.Contains(warns[0], `"metricSamplesBufferSize"`) {
		t.Errorf("warnings %q: want one, for metricSamplesBufferSize (noUsageReport is accepted silently)", warns)
	}
	c, _, err = DecodeConfigFile([]byte(`{"out": "json=a.json"}`), "f.json")
	if err != nil || len(c.Out) != 1 || c.Out[0] != "json=a.json" {
		t.Errorf("out as a string: %v %v", c.Out, err)
	}
	for _, bad := range []string{`{"out": 3, "vus": "ten"}`, `"vus"`} {
		_, _, err := DecodeConfigFile([]byte(bad), "f.json")
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "config file f.json") {
			t.Errorf("%s: error %v, want one naming the file and wrapping ErrInvalidConfig", bad, err)
		}
	}
	_, _, err = DecodeConfigFile([]byte(`{"out": 3, "vus": "ten"}`), "f.json")
	if !strings.Contains(err.Error(), `option "out"`) || !strings.Contains(err.Error(), `option "vus"`) {
		t.Errorf("every problem should be reported: %v", err)
	}
}

// The file is the lowest layer: the script's execution options replace the
// file's entirely, as a higher layer does in k6.
func TestConsolidateFileIsTheLowestLayer(t *testing.T) {
	file, _, err := DecodeConfigFile([]byte(`{"stages": [{"duration": "10s", "target": 5}], "userAgent": "file"}`), "f.json")
	if err != nil {
		t.Fatal(err)
	}
	script := mustDecode(t, `{"duration": "3s", "vus": 2}`)
	c, err := ConsolidateFile(file, script, Config{}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Stages != nil || c.Duration.D().String() != "3s" || *c.UserAgent != "file" {
		t.Errorf("stages %v duration %v userAgent %v", c.Stages, c.Duration, *c.UserAgent)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("warnings %q (the file set no scenarios)", c.Warnings)
	}
}
