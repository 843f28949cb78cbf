package pushgateway

// SetMaxValueBody lowers Value's body limit, so a test need not send
// MaxMetricsAPIBody bytes to pass it.
func SetMaxValueBody(p *Pusher, n int64) { p.maxValue = n }
