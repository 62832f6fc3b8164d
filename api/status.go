package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/stampede-load/stampede/engine"
)

// statusExample is what a PATCH /v1/status body looks like, for errors.
const statusExample = `{"data":{"type":"status","id":"default","attributes":{"paused":true}}}`

// StatusFromEngine converts the engine's status to the API's attributes.
func StatusFromEngine(st engine.Status) Status {
	return Status{
		Status: int(st.Status), Paused: st.Paused,
		VUs: st.VUs, VUsMax: st.VUsMax,
		Stopped: st.Stopped, Running: st.Running, Tainted: st.Tainted,
	}
}

func (s *Server) statusDocument() Document[Resource[Status]] {
	return Document[Resource[Status]]{Data: Resource[Status]{
		Type: typeStatus, ID: defaultID, Attributes: StatusFromEngine(s.cfg.Controller.Status()),
	}}
}

func (s *Server) getStatus(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.statusDocument())
}

// patchStatus applies the attributes given: vus and vus-max (Scale), then
// paused (SetPaused), then stopped: true (Stop). It answers the new status.
func (s *Server) patchStatus(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	p, err := ParseStatusPatch(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "Invalid status update", err.Error())
		return
	}
	c := s.cfg.Controller
	if p.VUs != nil || p.VUsMax != nil {
		if err := c.Scale(p.VUs, p.VUsMax); err != nil {
			writeError(w, http.StatusBadRequest, "Scaling failed", err.Error())
			return
		}
	}
	if p.Paused != nil {
		if err := c.SetPaused(*p.Paused); err != nil {
			title := "Pausing failed"
			if !*p.Paused {
				title = "Resuming failed"
			}
			writeError(w, http.StatusBadRequest, title, err.Error())
			return
		}
	}
	if p.Stopped != nil && *p.Stopped {
		c.Stop(ErrStoppedByAPI)
	}
	writeJSON(w, http.StatusOK, s.statusDocument())
}

// ParseStatusPatch reads a PATCH /v1/status body:
// `{"data": {"type": "status", "id": "default", "attributes": {...}}}`. The
// attributes may be paused, stopped (booleans), vus and vus-max (integers);
// null leaves a value as it is. status, running and tainted are read-only
// and ignored (k6's client sends the whole status). Anything else, a wrong
// type or a resource that is not the status is an error that says so.
func ParseStatusPatch(body []byte) (StatusPatch, error) {
	var p StatusPatch
	if len(bytes.TrimSpace(body)) == 0 {
		return p, fmt.Errorf("the request body is empty; expected %s", statusExample)
	}
	var doc struct {
		Data *struct {
			Type       string                     `json:"type"`
			ID         string                     `json:"id"`
			Attributes map[string]json.RawMessage `json:"attributes"`
		} `json:"data"`
	}
	if err := decodeStrict(body, &doc); err != nil {
		return p, err
	}
	switch {
	case doc.Data == nil:
		return p, fmt.Errorf("the body has no data; expected %s", statusExample)
	case doc.Data.Type != "" && doc.Data.Type != typeStatus:
		return p, fmt.Errorf("data.type is %q; expected %q", doc.Data.Type, typeStatus)
	case doc.Data.ID != "" && doc.Data.ID != defaultID:
		return p, fmt.Errorf("data.id is %q; expected %q", doc.Data.ID, defaultID)
	case doc.Data.Attributes == nil:
		return p, fmt.Errorf("the body has no data.attributes; expected %s", statusExample)
	}
	var unknown []string
	var errs []error
	for name, raw := range doc.Data.Attributes {
		var dst any
		switch name {
		case "paused":
			dst = &p.Paused
		case "stopped":
			dst = &p.Stopped
		case "vus":
			dst = &p.VUs
		case "vus-max":
			dst = &p.VUsMax
		case "status", "running", "tainted":
			continue
		default:
			unknown = append(unknown, fmt.Sprintf("%q", name))
			continue
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			want := "a boolean"
			if name == "vus" || name == "vus-max" {
				want = "an integer"
			}
			errs = append(errs, fmt.Errorf("attribute %q must be %s or null, not %s", name, want, raw))
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		errs = append(errs, fmt.Errorf("unknown attribute %s; the status takes paused, vus, vus-max and stopped",
			strings.Join(unknown, ", ")))
	}
	if len(errs) > 0 {
		sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
		return StatusPatch{}, errors.Join(errs...)
	}
	return p, nil
}

// decodeStrict decodes exactly one JSON value from body into v, with errors
// that name the offending field.
func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return describeJSONError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("the body is not valid JSON: more data after the first JSON value")
	}
	return nil
}

func describeJSONError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Errorf("the body is not valid JSON: %v (at byte %d)", syn, syn.Offset)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "the body"
		}
		want := "an object"
		switch typ.Type.Kind().String() {
		case "string":
			want = "a string"
		case "bool":
			want = "a boolean"
		case "int64", "int":
			want = "an integer"
		}
		return fmt.Errorf("%s must be %s, not %s", field, want, typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("the body is not valid JSON: it ends too early")
	}
	return fmt.Errorf("the body is not valid JSON: %v", err)
}
