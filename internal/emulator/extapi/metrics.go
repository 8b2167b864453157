package extapi

import (
	"errors"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are a hub's Prometheus collectors; label values are resolved once
// so that the delivery path does no map lookups.
type metrics struct {
	registrations *prometheus.CounterVec
	connsRefused  *prometheus.CounterVec
	inFlight      prometheus.Gauge

	delivered, failed, dropped      prometheus.Counter
	deliveredLatency, failedLatency prometheus.Observer
}

func newMetrics(reg prometheus.Registerer, log *slog.Logger) *metrics {
	deliveries := registerCollector(reg, log, prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "fgharness", Subsystem: "extapi", Name: "deliveries_total",
		Help: "Invoke events for extensions, by result: delivered, failed or dropped.",
	}, []string{"result"}))
	latency := registerCollector(reg, log, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "fgharness", Subsystem: "extapi", Name: "delivery_duration_seconds",
		Help: "Time from the start of a delivery attempt to its outcome, by result.",
		// Loopback deliveries take well under a millisecond; slow extensions take seconds.
		Buckets: prometheus.ExponentialBuckets(0.0001, 2.5, 14),
	}, []string{"result"}))
	m := &metrics{
		registrations: registerCollector(reg, log, prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "fgharness", Subsystem: "extapi", Name: "registrations_total",
			Help: "Extension registrations, by outcome: accepted, repeated, moved or rejected.",
		}, []string{"outcome"})),
		connsRefused: registerCollector(reg, log, prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "fgharness", Subsystem: "extapi", Name: "connections_refused_total",
			Help: "Connections the cap closed: quiet_replaced (the oldest quiet one, for a newcomer) or shed_503 (a newcomer, every connection busy).",
		}, []string{"reason"})),
		inFlight: registerCollector(reg, log, prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "fgharness", Subsystem: "extapi", Name: "deliveries_in_flight",
			Help: "Deliveries to extensions currently on their way.",
		})),
		delivered:        deliveries.WithLabelValues("delivered"),
		failed:           deliveries.WithLabelValues("failed"),
		dropped:          deliveries.WithLabelValues("dropped"),
		deliveredLatency: latency.WithLabelValues("delivered"),
		failedLatency:    latency.WithLabelValues("failed"),
	}
	return m
}

// registerCollector adds c to reg, or returns the equal collector already there, so
// that several hubs may share one registry.
func registerCollector[C prometheus.Collector](reg prometheus.Registerer, log *slog.Logger, c C) C {
	if reg == nil {
		return c
	}
	err := reg.Register(c)
	if err == nil {
		return c
	}
	var already prometheus.AlreadyRegisteredError
	if errors.As(err, &already) {
		if existing, ok := already.ExistingCollector.(C); ok {
			return existing
		}
	}
	log.Warn("extension hub metric not registered", "err", err)
	return c
}
