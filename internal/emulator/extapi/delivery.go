package extapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/fgharness/fgharness/internal/fgs"
)

// maxDrainBytes is how much of an extension's answer is read so that its
// connection can be reused; the answer itself is not used.
const maxDrainBytes = 64 << 10

var errHubClosed = errors.New("hub closed")

// FanOut sends one invoke event to every extension registered for key, each
// in its own goroutine, and returns at once. An unknown key or a function
// without extensions is a no-op. Deliveries beyond MaxInFlight, or after
// Close, are dropped and counted.
func (h *Hub) FanOut(key, traceID, invokedURN string) {
	h.mu.RLock()
	defer h.mu.RUnlock() // held while adding to h.deliveries, so Close cannot miss one
	e := h.endpoints[key]
	if e == nil {
		return
	}
	targets := e.targets()
	if h.closed {
		for _, t := range targets {
			h.drop(e, t, traceID, errHubClosed)
		}
		return
	}
	body, err := json.Marshal(fgs.ExtensionInvokeEvent{TraceID: traceID, InvokedFunctionURN: invokedURN})
	if err != nil {
		for _, t := range targets {
			h.finish(e, t, traceID, 0, fmt.Errorf("encode invoke event: %w", err))
		}
		return
	}
	delay := time.Duration(h.delay.Load()) // fixed now, so a fault switched later does not reach back
	for _, t := range targets {
		select {
		case h.slots <- struct{}{}:
		default:
			h.drop(e, t, traceID, fmt.Errorf("%d deliveries already in flight (MaxInFlight)", cap(h.slots)))
			continue
		}
		h.deliveries.Add(1)
		e.inFlight.Add(1)
		h.metrics.inFlight.Inc()
		go h.deliver(e, t, traceID, body, delay)
	}
}

func (h *Hub) deliver(e *endpoint, t target, traceID string, body []byte, delay time.Duration) {
	defer func() {
		<-h.slots
		e.inFlight.Add(-1)
		h.metrics.inFlight.Dec()
		h.deliveries.Done()
	}()
	start := time.Now()
	err := h.post(t.address, body, delay)
	h.finish(e, t, traceID, time.Since(start), err)
}

// post makes one delivery attempt; there are no retries, so each event
// reaches an extension at most once.
func (h *Hub) post(address string, body []byte, delay time.Duration) error {
	ctx, cancel := context.WithTimeout(h.ctx, h.cfg.DeliveryTimeout)
	defer cancel()
	if delay > 0 {
		timer := time.NewTimer(delay)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-ctx.Done():
			return fmt.Errorf("injected extension delay %s: %w", delay, ctx.Err())
		}
	}
	url := "http://" + address + fgs.ExtensionInvokePath
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build invoke request for %s: %w", url, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := h.client.Do(req)
	if err != nil {
		return fmt.Errorf("deliver invoke event: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrainBytes))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("deliver invoke event: POST %s answered %s", url, resp.Status)
	}
	return nil
}

func (h *Hub) finish(e *endpoint, t target, traceID string, took time.Duration, err error) {
	if err == nil {
		t.ext.delivered.Add(1)
		e.delivered.Add(1)
		h.metrics.delivered.Inc()
		h.metrics.deliveredLatency.Observe(took.Seconds())
		return
	}
	t.ext.failed.Add(1)
	e.failed.Add(1)
	h.metrics.failed.Inc()
	h.metrics.failedLatency.Observe(took.Seconds())
	h.log.Debug("extension delivery failed", "function", e.key, "extension", t.ext.name,
		"address", t.address, "traceId", traceID, "took", took, "err", err)
}

func (h *Hub) drop(e *endpoint, t target, traceID string, reason error) {
	e.dropped.Add(1)
	h.metrics.dropped.Inc()
	h.log.Debug("extension delivery dropped", "function", e.key, "extension", t.ext.name,
		"address", t.address, "traceId", traceID, "reason", reason)
}

// newDeliveryTransport keeps up to MaxInFlight loopback connections alive:
// every delivery in flight holds one, and they may all target one extension.
func newDeliveryTransport(cfg HubConfig) *http.Transport {
	return &http.Transport{
		Proxy:               nil, // extensions are on loopback; never route them through HTTP_PROXY
		DialContext:         (&net.Dialer{Timeout: cfg.DeliveryTimeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        cfg.MaxInFlight,
		MaxIdleConnsPerHost: cfg.MaxInFlight,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
}

func newDeliveryClient(t *http.Transport) *http.Client {
	return &http.Client{
		Transport: t,
		// A redirect is not an accepted event; report the 3xx as a failure.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
