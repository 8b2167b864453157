package emulator

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fgharness/fgharness/internal/urn"
)

// trigger is a function trigger. TIMER triggers with a Rate schedule really
// invoke their function; the others are stored and listed only.
type trigger struct {
	TriggerID       string         `json:"trigger_id"`
	TriggerTypeCode string         `json:"trigger_type_code"`
	TriggerStatus   string         `json:"trigger_status"`
	EventTypeCode   string         `json:"event_type_code,omitempty"`
	EventData       map[string]any `json:"event_data"`
	LastUpdatedTime string         `json:"last_updated_time"`
	CreatedTime     string         `json:"created_time"`

	fires    atomic.Int64
	stopOnce sync.Once
	stopCh   chan struct{}
}

func (t *trigger) stop() {
	if t.stopCh != nil {
		t.stopOnce.Do(func() { close(t.stopCh) })
	}
}

// parseRate reads a Rate schedule: a positive number followed by s, m, h or
// d ("3m", "1d"). The platform's smallest unit is the minute; seconds are
// accepted so tests need not wait.
func parseRate(s string) (time.Duration, bool) {
	if len(s) < 2 {
		return 0, false
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n <= 0 {
		return 0, false
	}
	unit := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour}[s[len(s)-1]]
	if unit == 0 {
		return 0, false
	}
	return time.Duration(n) * unit, true
}

func createFunctionTrigger(c *call) {
	u, err := c.functionURN()
	if err != nil {
		c.fail(err)
		return
	}
	var req struct {
		TriggerTypeCode string         `json:"trigger_type_code"`
		TriggerStatus   string         `json:"trigger_status"`
		EventTypeCode   string         `json:"event_type_code"`
		EventData       map[string]any `json:"event_data"`
	}
	if err := c.decode(&req); err != nil {
		c.fail(err)
		return
	}
	if req.TriggerStatus == "" {
		req.TriggerStatus = "ACTIVE"
	}
	var every time.Duration
	if req.TriggerTypeCode == "TIMER" {
		name, _ := req.EventData["name"].(string)
		kind, _ := req.EventData["schedule_type"].(string)
		schedule, _ := req.EventData["schedule"].(string)
		if name == "" || schedule == "" {
			c.fail(badField(codeBadRequest, "event_data", "a TIMER trigger needs name, schedule_type and schedule"))
			return
		}
		if kind == "Rate" {
			d, ok := parseRate(schedule)
			if !ok {
				c.fail(badField(codeBadRequest, "event_data.schedule", "%q is not a rate like 3m, 1h or 1d", schedule))
				return
			}
			every = d
		}
	}
	e := c.e
	now := nowStamp(time.Now())
	t := &trigger{TriggerID: newID(), TriggerTypeCode: req.TriggerTypeCode, TriggerStatus: req.TriggerStatus,
		EventTypeCode: req.EventTypeCode, EventData: req.EventData, LastUpdatedTime: now, CreatedTime: now}
	timed := every > 0 && t.TriggerStatus == "ACTIVE"
	if timed {
		t.stopCh = make(chan struct{})
	}
	e.store.mu.Lock()
	f, err := e.store.lookup(u)
	if err != nil {
		e.store.mu.Unlock()
		c.fail(err)
		return
	}
	f.triggers[t.TriggerID] = t
	e.store.mu.Unlock()
	if timed {
		e.goBackground(func() { e.runTimer(f, t, every) })
	}
	e.log.Info("trigger created", "urn", u.Unqualified().String(), "type", t.TriggerTypeCode, "trigger_id", t.TriggerID)
	c.json(http.StatusCreated, t)
}

// runTimer invokes f's latest every period until the trigger is deleted or
// the emulator shuts down.
func (e *Emulator) runTimer(f *function, t *trigger, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-t.stopCh:
			return
		case <-e.done:
			return
		case at := <-tick.C:
			e.store.mu.RLock()
			cfg := f.latest
			e.store.mu.RUnlock()
			event, _ := json.Marshal(map[string]any{
				"version": "v1.0", "time": at.UTC().Format(time.RFC3339), "trigger_type": "TIMER",
				"trigger_name": t.EventData["name"], "user_event": t.EventData["user_event"],
			})
			invoked := urn.Function(e.cfg.Region, e.cfg.ProjectID, f.key.pkg, f.key.name, urn.Latest).String()
			if _, err := e.execute(context.Background(), target{fn: f, cfg: cfg, invoked: invoked}, event, newID()); err != nil {
				e.log.Info("timer trigger invocation refused", "trigger_id", t.TriggerID, "error", err.msg)
			}
			t.fires.Add(1)
		}
	}
}

func listFunctionTriggers(c *call) {
	u, err := c.functionURN()
	if err != nil {
		c.fail(err)
		return
	}
	e := c.e
	e.store.mu.RLock()
	defer e.store.mu.RUnlock()
	f, err := e.store.lookup(u)
	if err != nil {
		c.fail(err)
		return
	}
	out := make([]*trigger, 0, len(f.triggers))
	for _, t := range f.triggers {
		out = append(out, t)
	}
	sortBy(out, func(t *trigger) string { return t.CreatedTime + t.TriggerID })
	c.json(http.StatusOK, out)
}

func deleteFunctionTrigger(c *call) {
	u, err := c.functionURN()
	if err != nil {
		c.fail(err)
		return
	}
	e := c.e
	e.store.mu.Lock()
	f, err := e.store.lookup(u)
	if err != nil {
		e.store.mu.Unlock()
		c.fail(err)
		return
	}
	id, code := c.param("trigger_id"), c.param("trigger_type_code")
	t := f.triggers[id]
	if t == nil || t.TriggerTypeCode != code {
		e.store.mu.Unlock()
		c.fail(newError(http.StatusNotFound, codeNotFound, "function %s has no %s trigger %s", f.key.name, code, id))
		return
	}
	delete(f.triggers, id)
	e.store.mu.Unlock()
	t.stop()
	c.noContent()
}
