package secret

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestSecretRedacts(t *testing.T) {
	const value = "whsec_do_not_print_me"
	s := Secret(value)
	type holder struct {
		Secret Secret
		Ptr    *Secret
	}
	renderings := map[string]string{
		"String":      s.String(),
		"GoString":    s.GoString(),
		"%s":          fmt.Sprintf("%s", s),
		"%v":          fmt.Sprintf("%v", s),
		"%+v":         fmt.Sprintf("%+v", s),
		"%#v":         fmt.Sprintf("%#v", s),
		"%q":          fmt.Sprintf("%q", s),
		"%x":          fmt.Sprintf("%x", s),
		"%10.3s":      fmt.Sprintf("%10.3s", s),
		"struct %+v":  fmt.Sprintf("%+v", holder{s, &s}),
		"struct %#v":  fmt.Sprintf("%#v", holder{Secret: s}),
		"Println":     fmt.Sprintln(s),
		"wrapped err": fmt.Errorf("verify with %v: %w", s, errors.New("boom")).Error(),
	}
	js, err := json.Marshal(holder{s, &s})
	if err != nil {
		t.Fatal(err)
	}
	renderings["json"] = string(js)
	for _, format := range []string{"text", "json"} {
		var buf bytes.Buffer
		var h slog.Handler = slog.NewTextHandler(&buf, nil)
		if format == "json" {
			h = slog.NewJSONHandler(&buf, nil)
		}
		slog.New(h).Info("secret", "s", s, "any", any(s), "group", slog.GroupValue(slog.Any("nested", s)))
		renderings["slog "+format] = buf.String()
	}
	for name, got := range renderings {
		t.Run(name, func(t *testing.T) {
			if strings.Contains(got, value) || strings.Contains(got, "do_not") || !strings.Contains(got, "redacted") {
				t.Fatalf("rendering %q", got)
			}
		})
	}
	if s.Reveal() != value {
		t.Fatalf("Reveal = %q", s.Reveal())
	}
}
