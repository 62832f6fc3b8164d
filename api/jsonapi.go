package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// The resource ids and types of k6's API.
const (
	defaultID        = "default"
	typeStatus       = "status"
	typeMetrics      = "metrics"
	typeGroups       = "groups"
	typeSetupData    = "setupData"
	jsonContentType  = "application/json"
	defaultMaxBodyMB = 1
)

// Resource is one JSON:API resource object: `{"type", "id", "attributes"}`.
type Resource[T any] struct {
	Type       string `json:"type"`
	ID         string `json:"id"`
	Attributes T      `json:"attributes"`
}

// Document is a JSON:API document with one resource or a list: `{"data": ...}`.
type Document[T any] struct {
	Data T `json:"data"`
}

// ErrorObject is one entry of k6's error document.
type ErrorObject struct {
	// Status is the HTTP status code, as a string ("400").
	Status string `json:"status"`
	Title  string `json:"title"`
	Detail string `json:"detail,omitempty"`
}

// ErrorDocument is k6's error answer: `{"errors": [{"status", "title", "detail"}]}`.
type ErrorDocument struct {
	Errors []ErrorObject `json:"errors"`
}

// Status is the attributes of the status resource.
type Status struct {
	// Status is the execution status, with k6's numbering: 0 created,
	// 1 init VUs, 2 init executors, 3 init done, 4 paused before run,
	// 5 started, 6 setup, 7 running, 8 teardown, 9 ended, 10 interrupted.
	Status  int   `json:"status"`
	Paused  bool  `json:"paused"`
	VUs     int64 `json:"vus"`
	VUsMax  int64 `json:"vus-max"`
	Stopped bool  `json:"stopped"`
	Running bool  `json:"running"`
	Tainted bool  `json:"tainted"`
}

// StatusPatch is the attributes of a PATCH /v1/status request; nil fields
// are left as they are.
type StatusPatch struct {
	Paused  *bool  `json:"paused,omitempty"`
	VUs     *int64 `json:"vus,omitempty"`
	VUsMax  *int64 `json:"vus-max,omitempty"`
	Stopped *bool  `json:"stopped,omitempty"`
}

// Metric is the attributes of a metrics resource (its id is the metric's name).
type Metric struct {
	// Type is counter, gauge, rate or trend.
	Type string `json:"type"`
	// Contains is default, time or data.
	Contains string `json:"contains"`
	// Tainted is null when the metric has no thresholds, else whether one
	// of them failed.
	Tainted *bool `json:"tainted"`
	// Sample holds the aggregated values: counter count and rate; gauge
	// value; rate rate; trend avg, min, med, max, p(90) and p(95).
	Sample map[string]float64 `json:"sample"`
}

// Group is the attributes of a groups resource (its id is the hex MD5 of
// its path).
type Group struct {
	// Path is "" for the root group, "::a::b" for group b inside group a.
	Path string `json:"path"`
	// Name is the last part of the path ("" for the root group).
	Name   string  `json:"name"`
	Checks []Check `json:"checks"`
}

// Check is one check of a group, counted over every scenario.
type Check struct {
	// ID is the hex MD5 of Path.
	ID string `json:"id"`
	// Path is the group's path, "::" and the check's name.
	Path   string `json:"path"`
	Name   string `json:"name"`
	Passes uint64 `json:"passes"`
	Fails  uint64 `json:"fails"`
}

// GroupResource is a groups resource with its relationships: its child
// groups and its parent (null for the root group).
type GroupResource struct {
	Resource[Group]
	Relationships GroupRelationships `json:"relationships"`
}

// GroupRelationships are a group's links to other groups.
type GroupRelationships struct {
	Groups struct {
		Data []ResourceID `json:"data"`
	} `json:"groups"`
	Parent struct {
		Data *ResourceID `json:"data"`
	} `json:"parent"`
}

// ResourceID identifies a resource: `{"type", "id"}`.
type ResourceID struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// SetupData is the attributes of the setupData resource.
type SetupData struct {
	// Data is what setup() returned, as JSON (null when nothing).
	Data json.RawMessage `json:"data"`
}

// writeJSON answers code with v as JSON.
func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "Encoding the answer failed", err.Error())
		return
	}
	w.Header().Set("Content-Type", jsonContentType)
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n'))
}

// writeError answers code with k6's error document.
func writeError(w http.ResponseWriter, code int, title, detail string) {
	b, _ := json.Marshal(ErrorDocument{Errors: []ErrorObject{{Status: strconv.Itoa(code), Title: title, Detail: detail}}})
	w.Header().Set("Content-Type", jsonContentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n'))
}

// Error is an error answer of the API, as the client sees it.
type Error struct {
	// Code is the HTTP status code.
	Code   int
	Title  string
	Detail string
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%d %s", e.Code, http.StatusText(e.Code))
	if e.Title != "" {
		msg += ": " + e.Title
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}
