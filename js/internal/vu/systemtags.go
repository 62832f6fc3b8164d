package vu

// DefaultSystemTags are the system tags k6 enables when the systemTags option
// is not set.
var DefaultSystemTags = []string{
	"proto", "subproto", "status", "method", "url", "name", "group", "check",
	"error", "error_code", "tls_version", "scenario", "service", "expected_response",
}
