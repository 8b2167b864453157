package emulator

import "testing"

func TestTestEventLifecycle(t *testing.T) {
	te := startTest(t)
	te.createFunction("ev", nil)
	base := te.path("/fgs/functions/" + esc(te.fnURN("ev")) + "/events")
	created := te.do("POST", base, map[string]string{"name": "event-1", "content": "eyJrIjoidiJ9"})
	var ref testEventRef
	created.decode(t, &ref)
	if created.status != 200 || ref.ID == "" || ref.Name != "event-1" {
		t.Fatalf("create: %d %s", created.status, created.body)
	}
	if code := te.do("POST", base, map[string]string{"name": "event-1", "content": "e30="}).errorCode(t); code != codeBadRequest {
		t.Fatalf("duplicate name: %s", code)
	}
	if code := te.do("POST", base, map[string]string{"name": "event-2", "content": "bm90IGpzb24="}).errorCode(t); code != codeBadRequest {
		t.Fatalf("content not JSON: %s", code)
	}
	if r := te.do("PUT", base+"/"+ref.ID, map[string]string{"content": "eyJuIjoxfQ=="}); r.status != 200 {
		t.Fatalf("update: %d %s", r.status, r.body)
	}
	var shown testEvent
	te.do("GET", base+"/"+ref.ID, nil).decode(t, &shown)
	if shown.Content != "eyJuIjoxfQ==" || shown.Name != "event-1" || shown.LastModified <= 0 {
		t.Fatalf("show after update: %+v", shown)
	}
	var list struct {
		Events []testEvent `json:"events"`
		Count  int         `json:"count"`
	}
	te.do("GET", base, nil).decode(t, &list)
	if list.Count != 1 || list.Events[0].ID != ref.ID || list.Events[0].Content != "" {
		t.Fatalf("list: %+v", list)
	}

	if r := te.do("DELETE", base+"/"+ref.ID, nil); r.status != 204 {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if code := te.do("GET", base+"/"+ref.ID, nil).errorCode(t); code != codeNotFound {
		t.Fatalf("show deleted: %s", code)
	}
	if code := te.do("DELETE", base+"/"+ref.ID, nil).errorCode(t); code != codeNotFound {
		t.Fatalf("delete twice: %s", code)
	}
	te.do("GET", base, nil).decode(t, &list)
	if list.Count != 0 || len(list.Events) != 0 {
		t.Fatalf("list after delete: %+v", list)
	}
}

func TestTestEventsAreBounded(t *testing.T) {
	te := startTest(t)
	te.createFunction("many", nil)
	base := te.path("/fgs/functions/" + esc(te.fnURN("many")) + "/events")
	for i := range maxTestEvents {
		if r := te.do("POST", base, map[string]string{"name": "e" + string(rune('a'+i)), "content": "e30="}); r.status != 200 {
			t.Fatalf("event %d: %d %s", i, r.status, r.body)
		}
	}
	if code := te.do("POST", base, map[string]string{"name": "one-more", "content": "e30="}).errorCode(t); code != codeBadRequest {
		t.Fatalf("event past the bound: %s", code)
	}
}
