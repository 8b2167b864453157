package emulator

import (
	"net/http"
	"strconv"
	"time"

	"github.com/fgharness/fgharness/internal/urn"
)

// storedTrigger finds the trigger the path names; the type must match too.
// Caller holds the store lock.
func storedTrigger(c *call, f *function) (*trigger, *apiError) {
	id, code := c.param("trigger_id"), c.param("trigger_type_code")
	t := f.triggers[id]
	if t == nil || t.TriggerTypeCode != code {
		return nil, newError(http.StatusNotFound, codeNotFound, "function %s has no %s trigger %s", f.key.name, code, id)
	}
	return t, nil
}

func showFunctionTrigger(c *call) (int, any, *apiError) {
	t, err := readFunction(c, func(f *function) (*trigger, *apiError) { return storedTrigger(c, f) })
	return http.StatusOK, t, err
}

// pollingKeys are the event_data settings updateTrigger may change.
var pollingKeys = []string{"is_serial", "max_fetch_bytes", "polling_interval", "polling_unit"}

// updateTrigger replaces the trigger with an updated copy. A TIMER trigger
// switched to DISABLED stops firing; switched back to ACTIVE it starts its
// schedule again from now.
func updateTrigger(c *call) (int, any, *apiError) {
	var req struct {
		TriggerStatus string           `json:"trigger_status"`
		EventData     []map[string]any `json:"event_data"`
	}
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	var old, next *trigger
	var sched schedule
	f, err := writeFunction(c, func(f *function) (*function, *apiError) {
		var err *apiError
		if old, err = storedTrigger(c, f); err != nil {
			return nil, err
		}
		next = &trigger{
			TriggerID: old.TriggerID, TriggerTypeCode: old.TriggerTypeCode, TriggerStatus: old.TriggerStatus,
			EventTypeCode: old.EventTypeCode, EventData: map[string]any{}, CreatedTime: old.CreatedTime,
			LastUpdatedTime: nowStamp(time.Now()), qualifier: old.qualifier,
		}
		next.fires.Store(old.fires.Load())
		for k, v := range old.EventData {
			next.EventData[k] = v
		}
		if req.TriggerStatus != "" {
			next.TriggerStatus = req.TriggerStatus
		}
		for _, item := range req.EventData {
			for _, k := range pollingKeys {
				if v, ok := item[k]; ok {
					next.EventData[k] = v
				}
			}
			// the update sends is_serial as a boolean; event_data keeps "true"/"false"
			if b, ok := item["is_serial"].(bool); ok {
				next.EventData["is_serial"] = strconv.FormatBool(b)
			}
		}
		if next.TriggerTypeCode == "TIMER" && next.TriggerStatus == "ACTIVE" {
			if sched, err = timerSchedule(next.EventData); err != nil {
				return nil, err
			}
			next.stopCh = make(chan struct{})
		}
		f.triggers[next.TriggerID] = next
		return f, nil
	})
	if err != nil {
		return 0, nil, err
	}
	old.stop()
	if next.stopCh != nil {
		e := c.e // c is reused once the handler returns
		e.goBackground(func() { e.runTimer(f, next, sched) })
	}
	c.e.log.Info("trigger updated", "urn", c.fn.Unqualified().String(), "trigger_id", next.TriggerID, "status", next.TriggerStatus)
	return http.StatusOK, next, nil
}

// batchDeleteFunctionTriggers deletes the triggers of the version or alias
// the URN names, or every trigger when it names latest or no version.
func batchDeleteFunctionTriggers(c *call) (int, any, *apiError) {
	all := c.fn.Qualifier == "" || c.fn.Qualifier == urn.Latest
	gone, err := writeFunction(c, func(f *function) ([]*trigger, *apiError) {
		var gone []*trigger
		for id, t := range f.triggers {
			if all || t.qualifier == c.fn.Qualifier {
				gone = append(gone, t)
				delete(f.triggers, id)
			}
		}
		return gone, nil
	})
	if err != nil {
		return 0, nil, err
	}
	for _, t := range gone {
		t.stop()
	}
	c.e.log.Info("triggers deleted", "urn", c.fn.String(), "count", len(gone))
	return http.StatusNoContent, nil, nil
}
