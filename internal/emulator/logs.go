package emulator

import (
	"net/http"
	"strings"
)

// LTS: once the project turns log reporting on, every function logs to the
// project's group, in a stream named after the function. Before that a
// function has no LTS destination and showLtsLogDetails answers an empty
// object.

// ltsGroupName is the project's LTS log group.
const ltsGroupName = "functiongraph.log.group"

// maskedSecret is what showTracing answers instead of a stored secret key:
// secrets never travel back (nor into a report that records the exchange).
const maskedSecret = "******"

func enableLtsLogs(c *call) (int, any, *apiError) {
	s := c.e.store
	s.write(func() {
		if !s.project.ltsEnabled {
			s.project.ltsEnabled = true
			s.project.ltsGroupID = newID()
		}
	})
	return http.StatusOK, nil, nil
}

func showLtsLogDetails(c *call) (int, any, *apiError) {
	body, err := readFunction(c, func(f *function) (map[string]string, *apiError) {
		p := &c.e.store.project
		if !p.ltsEnabled {
			return map[string]string{}, nil
		}
		return map[string]string{
			"group_name": ltsGroupName, "group_id": p.ltsGroupID,
			"stream_name": f.key.pkg + "-" + f.key.name, "stream_id": f.latest.FuncID,
		}, nil
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, body, nil
}

type tracingKeys struct {
	TracingAK string `json:"tracing_ak,omitempty"`
	TracingSK string `json:"tracing_sk,omitempty"`
}

func showTracing(c *call) (int, any, *apiError) {
	keys, err := readFunction(c, func(f *function) (tracingKeys, *apiError) {
		keys := tracingKeys{TracingAK: f.settings.tracingAK}
		if f.settings.tracingSK != "" {
			keys.TracingSK = maskedSecret
		}
		return keys, nil
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, keys, nil
}

// updateTracing stores the APM keys; both empty switches tracing off, one
// without the other is refused.
func updateTracing(c *call) (int, any, *apiError) {
	var req tracingKeys
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	ak, sk := strings.TrimSpace(req.TracingAK), strings.TrimSpace(req.TracingSK)
	if (ak == "") != (sk == "") {
		return 0, nil, newError(http.StatusBadRequest, codeBadRequest, "Invalid parameter: tracing_ak and tracing_sk go together (both set, or both empty to switch tracing off)")
	}
	_, err := writeFunction(c, func(f *function) (struct{}, *apiError) {
		f.settings.tracingAK, f.settings.tracingSK = ak, sk
		return struct{}{}, nil
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, nil, nil // the lowest documented success status
}
