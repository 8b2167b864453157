package extsink

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestServerHandsEveryRequestToTheCallback(t *testing.T) {
	var mu sync.Mutex
	var got []Delivery
	s, err := Start("127.0.0.1:0", func(d Delivery) {
		mu.Lock()
		got = append(got, d)
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	for _, tc := range []struct {
		method, path, body string
		status             int
		wantErr            bool
	}{
		{"POST", "/extension/invoke", `{"traceId":"t1","invokedFunctionUrn":"urn:fss:r:p:function:default:f:latest"}`, 200, false},
		{"POST", "/extension/invoke", `not json`, 400, true},
		{"POST", "/extension/invoke", `{"invokedFunctionUrn":"u"}`, 400, true},
		{"GET", "/extension/invoke", ``, 404, true},
		{"POST", "/elsewhere", `{"traceId":"t2"}`, 404, true},
	} {
		mu.Lock()
		got = nil
		mu.Unlock()
		req, _ := http.NewRequest(tc.method, "http://"+s.Address+tc.path, strings.NewReader(tc.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		mu.Lock()
		if resp.StatusCode != tc.status || len(got) != 1 || (got[0].Err != nil) != tc.wantErr || string(got[0].Body) != tc.body {
			t.Errorf("%s %s %q: status %d, deliveries %+v; want status %d, one delivery, error %v", tc.method, tc.path, tc.body, resp.StatusCode, got, tc.status, tc.wantErr)
		}
		mu.Unlock()
	}
}
