package emulator

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/internal/urn"
)

// trigger is a function trigger. ACTIVE TIMER triggers really invoke their
// function (see runTimer); the other types are stored and listed only.
type trigger struct {
	TriggerID       string         `json:"trigger_id"`
	TriggerTypeCode string         `json:"trigger_type_code"`
	TriggerStatus   string         `json:"trigger_status"`
	EventTypeCode   string         `json:"event_type_code,omitempty"`
	EventData       map[string]any `json:"event_data"`
	LastUpdatedTime string         `json:"last_updated_time"`
	CreatedTime     string         `json:"created_time"`

	qualifier string       // the version or alias of the URN it was created on
	fires     atomic.Int64 // invocations queued by this trigger
	stopOnce  sync.Once
	stopCh    chan struct{}
}

func (t *trigger) stop() {
	if t.stopCh != nil {
		t.stopOnce.Do(func() { close(t.stopCh) })
	}
}

// timerNamePattern is the documented timer name rule: letters, digits, _
// and -, starting with a letter, at most 64 characters.
var timerNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,63}$`)

// timerSchedule checks a TIMER trigger's event_data and parses its schedule.
func timerSchedule(data map[string]any) (schedule, *apiError) {
	name, _ := data["name"].(string)
	kind, _ := data["schedule_type"].(string)
	text, _ := data["schedule"].(string)
	if name == "" || kind == "" || text == "" {
		return nil, badField(codeBadRequest, "event_data", "a TIMER trigger needs name, schedule_type (Rate or Cron) and schedule")
	}
	if !timerNamePattern.MatchString(name) {
		return nil, badField(codeBadRequest, "event_data.name", "%q must start with a letter and hold at most 64 letters, digits, _ and -", name)
	}
	sched, err := parseSchedule(kind, text)
	if err != nil {
		return nil, badField(codeBadRequest, "event_data.schedule", "%v", err)
	}
	return sched, nil
}

func createFunctionTrigger(c *call) (int, any, *apiError) {
	var req fgs.CreateTriggerRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if req.TriggerStatus == "" {
		req.TriggerStatus = "ACTIVE"
	}
	var sched schedule
	if req.TriggerTypeCode == "TIMER" {
		var err *apiError
		if sched, err = timerSchedule(req.EventData); err != nil {
			return 0, nil, err
		}
	}
	e := c.e
	now := nowStamp(time.Now())
	t := &trigger{TriggerID: newID(), TriggerTypeCode: req.TriggerTypeCode, TriggerStatus: req.TriggerStatus,
		EventTypeCode: req.EventTypeCode, EventData: req.EventData, LastUpdatedTime: now, CreatedTime: now,
		qualifier: c.fn.Qualifier}
	timed := sched != nil && t.TriggerStatus == "ACTIVE"
	if timed {
		t.stopCh = make(chan struct{})
	}
	f, err := writeFunction(c, func(f *function) (*function, *apiError) {
		f.triggers[t.TriggerID] = t
		return f, nil
	})
	if err != nil {
		return 0, nil, err
	}
	if timed {
		e.goBackground(func() { e.runTimer(f, t, sched) })
	}
	e.log.Info("trigger created", "urn", c.fn.Unqualified().String(), "type", t.TriggerTypeCode, "trigger_id", t.TriggerID, "status", t.TriggerStatus)
	return http.StatusCreated, t, nil
}

// runTimer fires t on its schedule until the trigger or its function is
// deleted or the emulator shuts down. It keeps a virtual clock that runs
// Config.TimerSpeedup times faster than the real one from the trigger's
// creation; firings it falls behind on are skipped, not replayed.
func (e *Emulator) runTimer(f *function, t *trigger, sched schedule) {
	speedup := e.cfg.TimerSpeedup
	origin := time.Now()
	virtualNow := func() time.Time {
		return origin.Add(time.Duration(float64(time.Since(origin)) * speedup))
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	due := sched.next(origin)
	for !due.IsZero() {
		timer.Reset(max(time.Duration(float64(due.Sub(virtualNow()))/speedup), 0))
		select {
		case <-t.stopCh:
			return
		case <-e.done:
			return
		case <-timer.C:
		}
		e.fireTimer(f, t, due)
		now := virtualNow()
		if due = sched.next(due); !due.IsZero() && due.Before(now) {
			due = sched.next(now)
		}
	}
}

// fireTimer queues one invocation of f's latest with the documented timer
// event, on the async path so it counts like any other invocation.
func (e *Emulator) fireTimer(f *function, t *trigger, at time.Time) {
	var cfg *functionConfig
	e.store.read(func() { cfg = f.latest })
	userEvent, _ := t.EventData["user_event"].(string)
	event, _ := json.Marshal(map[string]any{
		"version": "v1.0", "time": at.Format(time.RFC3339), "trigger_type": "TIMER",
		"trigger_name": t.EventData["name"], "user_event": userEvent,
	})
	invoked := urn.Function(e.cfg.Region, e.cfg.ProjectID, f.key.pkg, f.key.name, urn.Latest).String()
	requestID := newID()
	if err := e.runAsync(target{fn: f, cfg: cfg, invoked: invoked}, event, requestID); err != nil {
		e.metrics.timerFires.WithLabelValues("refused").Inc()
		e.log.Warn("timer trigger firing refused", "trigger_id", t.TriggerID, "urn", invoked, "error", err.msg)
		return
	}
	t.fires.Add(1)
	e.metrics.timerFires.WithLabelValues("queued").Inc()
	e.log.Debug("timer trigger fired", "trigger_id", t.TriggerID, "urn", invoked, "request_id", requestID)
}

func listFunctionTriggers(c *call) (int, any, *apiError) {
	out, err := readFunction(c, func(f *function) ([]*trigger, *apiError) {
		return sortedValues(f.triggers, func(t *trigger) string { return t.CreatedTime + t.TriggerID }), nil
	})
	return http.StatusOK, out, err
}

func deleteFunctionTrigger(c *call) (int, any, *apiError) {
	t, err := writeFunction(c, func(f *function) (*trigger, *apiError) {
		id, code := c.param("trigger_id"), c.param("trigger_type_code")
		t := f.triggers[id]
		if t == nil || t.TriggerTypeCode != code {
			return nil, newError(http.StatusNotFound, codeNotFound, "function %s has no %s trigger %s", f.key.name, code, id)
		}
		delete(f.triggers, id)
		return t, nil
	})
	if err != nil {
		return 0, nil, err
	}
	t.stop()
	return http.StatusNoContent, nil, nil
}
