package promjs

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"weak"

	"github.com/stampede-load/stampede/metrics"
	"github.com/stampede-load/stampede/prom"
)

// Clients of one test run (identified by its metrics registry) with the same
// options share one *prom.Client: one connection pool and one warn-once
// memory instead of one per VU. Entries go when the run's registry is
// garbage collected.

type sharedKey struct {
	run weak.Pointer[metrics.Registry]
	cfg string
}

var shared = struct {
	mu      sync.Mutex
	clients map[sharedKey]*prom.Client
}{clients: make(map[sharedKey]*prom.Client)}

// fingerprint identifies a Config by a hash, so the token is not kept in clear.
func fingerprint(cfg prom.Config) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\x00%s\x00%d", cfg.URL, string(cfg.BearerToken), cfg.Timeout)
	keys := make([]string, 0, len(cfg.Headers))
	for k := range cfg.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "\x00%s\x01%s", k, cfg.Headers[k])
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// sharedClient returns the run's client for cfg, creating it on first use.
// Without a run (nil registry) every call gets a new client.
func sharedClient(run *metrics.Registry, cfg prom.Config) (*prom.Client, error) {
	if run == nil {
		return prom.New(cfg)
	}
	k := sharedKey{run: weak.Make(run), cfg: fingerprint(cfg)}
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if c, ok := shared.clients[k]; ok {
		return c, nil
	}
	c, err := prom.New(cfg)
	if err != nil {
		return nil, err
	}
	shared.clients[k] = c
	runtime.AddCleanup(run, forget, k)
	return c, nil
}

func forget(k sharedKey) {
	shared.mu.Lock()
	delete(shared.clients, k)
	shared.mu.Unlock()
}
