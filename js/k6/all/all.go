package all

import (
	_ "github.com/stampede-load/stampede/js/k6"           // k6
	_ "github.com/stampede-load/stampede/js/k6/crypto"    // k6/crypto
	_ "github.com/stampede-load/stampede/js/k6/data"      // k6/data
	_ "github.com/stampede-load/stampede/js/k6/encoding"  // k6/encoding
	_ "github.com/stampede-load/stampede/js/k6/execution" // k6/execution
	_ "github.com/stampede-load/stampede/js/k6/html"      // k6/html
	_ "github.com/stampede-load/stampede/js/k6/http"      // k6/http
	_ "github.com/stampede-load/stampede/js/k6/metrics"   // k6/metrics
	_ "github.com/stampede-load/stampede/js/k6/secrets"   // k6/secrets
	_ "github.com/stampede-load/stampede/js/k6/timers"    // k6/timers
	_ "github.com/stampede-load/stampede/js/x/stripe"     // k6/x/stripe
	_ "github.com/stampede-load/stampede/prom/promjs"     // k6/x/prom
	_ "github.com/stampede-load/stampede/queue/queuejs"   // k6/x/queue
)
