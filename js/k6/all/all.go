package all

import (
	_ "github.com/stampede-load/stampede/js/k6/timers" // k6/timers
)
