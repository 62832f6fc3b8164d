package config

import "encoding/json"

// Options are k6's test options. Each layer (script, environment, CLI) produces
// an Options; Apply merges them. Unset fields are nil.
type Options struct {
	// Execution shorthands and scenarios.
	VUs        *int64                     `json:"vus,omitempty"`
	Duration   *Duration                  `json:"duration,omitempty"`
	Iterations *int64                     `json:"iterations,omitempty"`
	Stages     []Stage                    `json:"stages,omitempty"`
	Scenarios  map[string]json.RawMessage `json:"scenarios,omitempty"`

	ExecutionSegment         *string `json:"executionSegment,omitempty"`
	ExecutionSegmentSequence *string `json:"executionSegmentSequence,omitempty"`

	// Lifecycle.
	SetupTimeout    *Duration `json:"setupTimeout,omitempty"`
	TeardownTimeout *Duration `json:"teardownTimeout,omitempty"`
	NoSetup         *bool     `json:"noSetup,omitempty"`
	// Paused starts the test paused, after init: the REST API resumes it.
	Paused     *bool `json:"paused,omitempty"`
	NoTeardown *bool `json:"noTeardown,omitempty"`

	MinIterationDuration *Duration `json:"minIterationDuration,omitempty"`

	// Metrics, thresholds and summary.
	Thresholds        map[string]Thresholds `json:"thresholds,omitempty"`
	NoThresholds      *bool                 `json:"noThresholds,omitempty"`
	Tags              map[string]string     `json:"tags,omitempty"`
	SystemTags        []string              `json:"systemTags,omitempty"`
	SummaryTrendStats []string              `json:"summaryTrendStats,omitempty"`
	SummaryTimeUnit   *string               `json:"summaryTimeUnit,omitempty"`
	NoSummary         *bool                 `json:"noSummary,omitempty"`

	// HTTP.
	UserAgent             *string      `json:"userAgent,omitempty"`
	DiscardResponseBodies *bool        `json:"discardResponseBodies,omitempty"`
	InsecureSkipTLSVerify *bool        `json:"insecureSkipTLSVerify,omitempty"`
	TLSVersion            *TLSVersions `json:"tlsVersion,omitempty"`
	// TLSCipherSuites are the cipher suites TLS 1.2 and older may use, by
	// Go's names (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, ...); TLS 1.3's
	// are not configurable.
	TLSCipherSuites []string `json:"tlsCipherSuites,omitempty"`
	// TLSAuth are client certificates for mutual TLS, chosen by the
	// server name of each connection (MatchTLSAuth). Their keys and
	// passwords are Secrets: printed and encoded as "<redacted>".
	TLSAuth []TLSAuth         `json:"tlsAuth,omitempty"`
	Hosts   map[string]string `json:"hosts,omitempty"`
	// DNS is how host names are resolved (ttl, select, policy); Settings
	// fills in k6's defaults.
	DNS *DNS `json:"dns,omitempty"`
	// RPS caps the requests per second of all VUs together (0: no cap).
	RPS *int64 `json:"rps,omitempty"`
	// BlacklistIPs are IP ranges (CIDR, or single addresses) requests must
	// not connect to; BlockHostnames are host names ("*.example.com"
	// matches every subdomain) requests must not be sent to.
	BlacklistIPs        []string `json:"blacklistIPs,omitempty"`
	BlockHostnames      []string `json:"blockHostnames,omitempty"`
	NoConnectionReuse   *bool    `json:"noConnectionReuse,omitempty"`
	NoVUConnectionReuse *bool    `json:"noVUConnectionReuse,omitempty"`
	NoCookiesReset      *bool    `json:"noCookiesReset,omitempty"`
	MaxRedirects        *int64   `json:"maxRedirects,omitempty"`
	Batch               *int64   `json:"batch,omitempty"`
	BatchPerHost        *int64   `json:"batchPerHost,omitempty"`
	Throw               *bool    `json:"throw,omitempty"`
	HTTPDebug           *string  `json:"httpDebug,omitempty"`

	// LocalIPs are the local addresses VUs connect from, one per VU
	// (IPPool.ForVU); nil or empty: the system chooses.
	LocalIPs *IPPool `json:"localIPs,omitempty"`
}

// TLSVersions is k6's tlsVersion option: a single version ("tls1.2") or
// {min, max}. Values are "ssl3.0", "tls1.0", "tls1.1", "tls1.2", "tls1.3".
type TLSVersions struct {
	Min string `json:"min,omitempty"`
	Max string `json:"max,omitempty"`
}

// UnmarshalJSON accepts "tls1.2" or {"min": "tls1.2", "max": "tls1.3"}.
func (v *TLSVersions) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v.Min, v.Max = s, s
		return nil
	}
	type plain TLSVersions
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*v = TLSVersions(p)
	return nil
}

// Defaults used when no layer sets an option (k6's defaults).
const (
	DefaultMaxRedirects = 10
	DefaultBatch        = 20
	DefaultBatchPerHost = 6
)

// Bool returns *p, or def when p is nil.
func Bool(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}

// Int returns *p, or def when p is nil.
func Int(p *int64, def int64) int64 {
	if p == nil {
		return def
	}
	return *p
}

// String returns *p, or def when p is nil.
func String(p *string, def string) string {
	if p == nil {
		return def
	}
	return *p
}
