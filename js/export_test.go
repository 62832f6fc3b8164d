package js

import "context"

// TakeMainForTest holds the main VU as setup, teardown and handleSummary do.
func (r *Runner) TakeMainForTest(ctx context.Context) (func(), error) { return r.takeMain(ctx) }
