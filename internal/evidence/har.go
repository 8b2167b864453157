package evidence

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"time"
)

// HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/): the members
// below are the ones the format requires, plus "_"-prefixed custom members
// (allowed by the format) for the operation and the violations.
type harFile struct {
	Log harLog `json:"log"`
}

type harLog struct {
	Version string     `json:"version"`
	Creator harCreator `json:"creator"`
	Entries []harEntry `json:"entries"`
}

type harCreator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type harEntry struct {
	StartedDateTime string      `json:"startedDateTime"`
	Time            float64     `json:"time"`
	Request         harRequest  `json:"request"`
	Response        harResponse `json:"response"`
	Cache           struct{}    `json:"cache"`
	Timings         harTimings  `json:"timings"`
	ID              string      `json:"_id"`
	Operation       string      `json:"_operation,omitempty"`
	Error           string      `json:"_error,omitempty"`
	Violations      []Violation `json:"_violations,omitempty"`
}

type harNameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// harMessage is what a HAR request and a HAR response both hold.
type harMessage struct {
	HTTPVersion string         `json:"httpVersion"`
	Cookies     []harNameValue `json:"cookies"`
	Headers     []harNameValue `json:"headers"`
	HeadersSize int            `json:"headersSize"`
	BodySize    int            `json:"bodySize"`
}

// harMessageOf is a message with header h and a body of bodySize bytes (-1:
// unknown). Cookies are not parsed out of the headers, and the size of the
// header block is unknown (-1): the exchange keeps the headers, not the bytes.
func harMessageOf(h http.Header, bodySize int) harMessage {
	return harMessage{HTTPVersion: "HTTP/1.1", Cookies: []harNameValue{}, Headers: harPairs(h), HeadersSize: -1, BodySize: bodySize}
}

type harRequest struct {
	Method string `json:"method"`
	URL    string `json:"url"`
	harMessage
	QueryString []harNameValue `json:"queryString"`
	PostData    *harPostData   `json:"postData,omitempty"`
}

type harPostData struct {
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
	Encoding string `json:"_encoding,omitempty"` // HAR 1.2 has no postData encoding; ours says base64
}

type harResponse struct {
	Status     int    `json:"status"`
	StatusText string `json:"statusText"`
	harMessage
	Content     harContent `json:"content"`
	RedirectURL string     `json:"redirectURL"`
}

type harContent struct {
	Size     int    `json:"size"`
	MimeType string `json:"mimeType"`
	Text     string `json:"text,omitempty"`
	Encoding string `json:"encoding,omitempty"`
}

type harTimings struct {
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
}

// WriteHAR writes exchanges as one HAR 1.2 log. The exchanges are
// expected redacted already (Recorder.Exchanges are).
func WriteHAR(w io.Writer, creatorVersion string, exchanges []Exchange) error {
	h := harFile{Log: harLog{Version: "1.2", Creator: harCreator{Name: "fgharness", Version: creatorVersion}, Entries: []harEntry{}}}
	for _, ex := range exchanges {
		h.Log.Entries = append(h.Log.Entries, harEntryOf(ex))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(h)
}

// WriteHARFile writes the recorder's kept exchanges to path.
func (r *Recorder) WriteHARFile(path, creatorVersion string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--har %s: %w", path, err)
	}
	if err := WriteHAR(f, creatorVersion, r.Exchanges()); err != nil {
		f.Close()
		return fmt.Errorf("write HAR %s: %w", path, err)
	}
	return f.Close()
}

func harEntryOf(ex Exchange) harEntry {
	ms := float64(ex.Duration) / float64(time.Millisecond)
	started := ex.Started
	if started.IsZero() {
		started = time.Unix(0, 0)
	}
	e := harEntry{
		StartedDateTime: started.UTC().Format(time.RFC3339Nano),
		Time:            ms,
		Timings:         harTimings{Send: 0, Wait: ms, Receive: 0},
		ID:              ex.ID, Operation: ex.Operation, Error: ex.Error, Violations: ex.Violations,
		Request: harRequest{
			Method: ex.Request.Method, URL: ex.Request.URL, QueryString: harQuery(ex.Request.URL),
			harMessage: harMessageOf(ex.Request.Header, ex.Request.Body.Len()),
		},
		Response: harResponse{harMessage: harMessageOf(nil, -1), Content: harContent{MimeType: "x-unknown"}},
	}
	if ex.Request.Body.Len() > 0 {
		e.Request.PostData = &harPostData{MimeType: mimeOf(ex.Request.Header), Text: ex.Request.Body.Text, Encoding: ex.Request.Body.Encoding}
	}
	if p := ex.Response; p != nil {
		n := p.Body.Len()
		e.Response.Status, e.Response.StatusText = p.Status, http.StatusText(p.Status)
		e.Response.harMessage = harMessageOf(p.Header, n)
		e.Response.Content = harContent{Size: n, MimeType: mimeOf(p.Header), Text: p.Body.Text, Encoding: p.Body.Encoding}
	}
	return e
}

func mimeOf(h http.Header) string {
	if ct := h.Get("Content-Type"); ct != "" {
		return ct
	}
	return "x-unknown"
}

func harQuery(raw string) []harNameValue {
	u, err := url.Parse(raw)
	if err != nil {
		return []harNameValue{}
	}
	return harPairs(u.Query())
}

// harPairs flattens a header or query map into name/value pairs, sorted by name.
func harPairs(m map[string][]string) []harNameValue {
	out := []harNameValue{}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		for _, v := range m[k] {
			out = append(out, harNameValue{Name: k, Value: v})
		}
	}
	return out
}
