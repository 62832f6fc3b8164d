package metrics

// Names of k6's built-in metrics.
const (
	VUsName               = "vus"
	VUsMaxName            = "vus_max"
	IterationsName        = "iterations"
	IterationDurationName = "iteration_duration"
	DroppedIterationsName = "dropped_iterations"
	DataSentName          = "data_sent"
	DataReceivedName      = "data_received"
	ChecksName            = "checks"
	GroupDurationName     = "group_duration"

	HTTPReqsName              = "http_reqs"
	HTTPReqFailedName         = "http_req_failed"
	HTTPReqDurationName       = "http_req_duration"
	HTTPReqBlockedName        = "http_req_blocked"
	HTTPReqConnectingName     = "http_req_connecting"
	HTTPReqTLSHandshakingName = "http_req_tls_handshaking"
	HTTPReqSendingName        = "http_req_sending"
	HTTPReqWaitingName        = "http_req_waiting"
	HTTPReqReceivingName      = "http_req_receiving"
)

// BuiltinMetrics are k6's built-in metrics, registered once per test run.
type BuiltinMetrics struct {
	VUs               *Metric
	VUsMax            *Metric
	Iterations        *Metric
	IterationDuration *Metric
	DroppedIterations *Metric
	DataSent          *Metric
	DataReceived      *Metric
	Checks            *Metric
	GroupDuration     *Metric

	HTTPReqs              *Metric
	HTTPReqFailed         *Metric
	HTTPReqDuration       *Metric
	HTTPReqBlocked        *Metric
	HTTPReqConnecting     *Metric
	HTTPReqTLSHandshaking *Metric
	HTTPReqSending        *Metric
	HTTPReqWaiting        *Metric
	HTTPReqReceiving      *Metric
}

// RegisterBuiltins registers k6's built-in metrics in r with k6's types and units.
func RegisterBuiltins(r *Registry) *BuiltinMetrics {
	return &BuiltinMetrics{
		VUs:               r.MustNewMetric(VUsName, Gauge),
		VUsMax:            r.MustNewMetric(VUsMaxName, Gauge),
		Iterations:        r.MustNewMetric(IterationsName, Counter),
		IterationDuration: r.MustNewMetric(IterationDurationName, Trend, Time),
		DroppedIterations: r.MustNewMetric(DroppedIterationsName, Counter),
		DataSent:          r.MustNewMetric(DataSentName, Counter, Data),
		DataReceived:      r.MustNewMetric(DataReceivedName, Counter, Data),
		Checks:            r.MustNewMetric(ChecksName, Rate),
		GroupDuration:     r.MustNewMetric(GroupDurationName, Trend, Time),

		HTTPReqs:              r.MustNewMetric(HTTPReqsName, Counter),
		HTTPReqFailed:         r.MustNewMetric(HTTPReqFailedName, Rate),
		HTTPReqDuration:       r.MustNewMetric(HTTPReqDurationName, Trend, Time),
		HTTPReqBlocked:        r.MustNewMetric(HTTPReqBlockedName, Trend, Time),
		HTTPReqConnecting:     r.MustNewMetric(HTTPReqConnectingName, Trend, Time),
		HTTPReqTLSHandshaking: r.MustNewMetric(HTTPReqTLSHandshakingName, Trend, Time),
		HTTPReqSending:        r.MustNewMetric(HTTPReqSendingName, Trend, Time),
		HTTPReqWaiting:        r.MustNewMetric(HTTPReqWaitingName, Trend, Time),
		HTTPReqReceiving:      r.MustNewMetric(HTTPReqReceivingName, Trend, Time),
	}
}
