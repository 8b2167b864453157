package emulator

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"time"
)

// maxTestEvents is how many test events one function keeps; the console
// offers ten, and a bound keeps a runaway client from growing the store.
const maxTestEvents = 10

// testEvent is a stored test event: a named event body kept for a function.
// Replaced on update, never modified in place.
type testEvent struct {
	ID           string  `json:"id"`
	Name         string  `json:"name"`
	Content      string  `json:"content"`
	LastModified float64 `json:"last_modified"` // epoch seconds, as the pages show
	seq          int64
}

// testEventRef is the answer of create and update: ID and name only.
type testEventRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// checkEventContent refuses content that is not base64 of a JSON text, the
// form the pages document; the schema only checks the base64 alphabet.
func checkEventContent(content string) *apiError {
	raw, err := base64.StdEncoding.DecodeString(content)
	if err != nil {
		return badField(codeBadRequest, "content", "is not base64: %v", err)
	}
	if !json.Valid(raw) {
		return badField(codeBadRequest, "content", "must be base64 of a JSON text, like eyJrIjoidiJ9 for {\"k\":\"v\"}")
	}
	return nil
}

func errEventNotFound(id string) *apiError {
	return newError(http.StatusNotFound, codeNotFound, "The specified resource was not found: test event %s", id)
}

// eventRequest is the body of create (name and content) and update (content).
type eventRequest struct {
	Name    string `json:"name"`
	Content string `json:"content"`
}

func decodeEventRequest(c *call) (eventRequest, *apiError) {
	var req eventRequest
	if err := c.decode(&req); err != nil {
		return req, err
	}
	return req, checkEventContent(req.Content)
}

func createEvent(c *call) (int, any, *apiError) {
	req, err := decodeEventRequest(c)
	if err != nil {
		return 0, nil, err
	}
	ev, err := writeFunction(c, func(f *function) (*testEvent, *apiError) {
		if f.events == nil {
			f.events = map[string]*testEvent{}
		}
		for _, old := range f.events {
			if old.Name == req.Name {
				return nil, badField(codeBadRequest, "name", "function %s already has a test event named %s", f.key.name, req.Name)
			}
		}
		if len(f.events) >= maxTestEvents {
			return nil, badField(codeBadRequest, "name", "function %s already has %d test events, the most it keeps", f.key.name, maxTestEvents)
		}
		ev := &testEvent{ID: newID(), Name: req.Name, Content: req.Content, LastModified: epochSeconds(time.Now()), seq: c.e.store.nextSeq()}
		f.events[ev.ID] = ev
		return ev, nil
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, testEventRef{ev.ID, ev.Name}, nil
}

// listEvents lists the events in creation order, without their content.
func listEvents(c *call) (int, any, *apiError) {
	type item struct {
		ID           string  `json:"id"`
		Name         string  `json:"name"`
		LastModified float64 `json:"last_modified"`
	}
	items, err := readFunction(c, func(f *function) ([]item, *apiError) {
		out := []item{}
		for _, ev := range sortedValues(f.events, func(ev *testEvent) int64 { return ev.seq }) {
			out = append(out, item{ev.ID, ev.Name, ev.LastModified})
		}
		return out, nil
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"events": items, "count": len(items), "next_marker": len(items)}, nil
}

func showEvent(c *call) (int, any, *apiError) {
	ev, err := readFunction(c, func(f *function) (*testEvent, *apiError) {
		if ev := f.events[c.param("event_id")]; ev != nil {
			return ev, nil
		}
		return nil, errEventNotFound(c.param("event_id"))
	})
	return http.StatusOK, ev, err
}

func updateEvent(c *call) (int, any, *apiError) {
	req, err := decodeEventRequest(c)
	if err != nil {
		return 0, nil, err
	}
	ev, err := writeFunction(c, func(f *function) (*testEvent, *apiError) {
		old := f.events[c.param("event_id")]
		if old == nil {
			return nil, errEventNotFound(c.param("event_id"))
		}
		next := *old
		next.Content, next.LastModified = req.Content, epochSeconds(time.Now())
		f.events[next.ID] = &next
		return &next, nil
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, testEventRef{ev.ID, ev.Name}, nil
}

func deleteEvent(c *call) (int, any, *apiError) {
	_, err := writeFunction(c, func(f *function) (any, *apiError) {
		id := c.param("event_id")
		if f.events[id] == nil {
			return nil, errEventNotFound(id)
		}
		delete(f.events, id)
		return nil, nil
	})
	return http.StatusNoContent, nil, err
}

func epochSeconds(t time.Time) float64 { return float64(t.Unix()) }
