// Package api is k6's REST API for a running test (`stampede run --address`),
// served with net/http alone, and a small client for it (the `stampede
// status|pause|resume|scale|stats` commands).
//
// Endpoints, with k6's JSON:API shapes (`{"data": {"type", "id",
// "attributes"}}`, errors as `{"errors": [{"status", "title", "detail"}]}`):
//
//	GET   /v1/status        the run's status
//	PATCH /v1/status        pause, resume, scale (vus, vus-max) or stop it
//	GET   /v1/metrics       every metric with samples or thresholds, by name
//	GET   /v1/metrics/{id}  one metric
//	GET   /v1/groups        the group tree, flattened, with each group's checks
//	GET   /v1/groups/{id}   one group (id: the hex MD5 of its path)
//	GET   /v1/setup         setup()'s data
//	PUT   /v1/setup         replace setup()'s data with the request body
//	POST  /v1/setup         run setup() now
//	POST  /v1/teardown      run teardown() now
//
// A run starts the server before its VUs are initialised, so that the status
// can be read during init:
//
//	srv := api.New(api.Config{Controller: eng, Metrics: metricsEngine})
//	if err := srv.Start("localhost:6565"); err != nil { ... }
//	defer srv.Shutdown(ctx)
package api
