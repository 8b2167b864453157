package emulator

import (
	"net/http"
	"strings"
	"time"

	"github.com/fgharness/fgharness/internal/urn"
)

// updateFunctionMaxInstanceConfig sets strategy_config.concurrency of latest
// or of the published version the URN names; execute enforces it (429
// FSS.0429 past the limit, 403 when 0).
func updateFunctionMaxInstanceConfig(c *call) (int, any, *apiError) {
	var req struct {
		MaxInstanceNum *int `json:"max_instance_num"`
	}
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	next, err := writeFunction(c, func(f *function) (*functionConfig, *apiError) {
		cur := f.latest
		if !c.fn.IsLatest() {
			if cur = f.versions[c.fn.Qualifier]; cur == nil {
				return nil, badField(codeBadVersion, "function_urn", "%s names no published version (aliases have no instance limit of their own)", c.fn)
			}
		}
		next := *cur
		if req.MaxInstanceNum != nil {
			next.StrategyConfig.Concurrency = *req.MaxInstanceNum
		}
		next.LastModified = nowStamp(time.Now())
		if next.Version == urn.Latest {
			f.latest = &next
		} else {
			f.versions[next.Version] = &next
		}
		return &next, nil
	})
	if err != nil {
		return 0, nil, err
	}
	c.e.log.Info("max instances set", "urn", next.FuncURN, "max_instance_num", next.StrategyConfig.Concurrency)
	return http.StatusOK, next, nil
}

// updateFunctionCollectState pins (true) or unpins (false) the function;
// the path names the URN func_urn, so the route does not parse it.
func updateFunctionCollectState(c *call) (int, any, *apiError) {
	u, err := c.functionURNParam("func_urn")
	if err != nil {
		return 0, nil, err
	}
	c.fn = u
	pinned := c.param("state") == "true"
	_, err = writeFunction(c, func(f *function) (any, *apiError) {
		f.pinned = pinned
		return nil, nil
	})
	return http.StatusOK, nil, err
}

// snapshotVersion is the published version of a Java function the URN
// names: the pages offer snapshot start for nothing else.
func snapshotVersion(c *call, f *function) (*functionConfig, *apiError) {
	if c.fn.IsLatest() || c.fn.Alias() != "" {
		return nil, badField(codeBadVersion, "function_urn", "%s: snapshot start is for published versions only, not latest or aliases", c.fn)
	}
	cfg := f.versions[c.fn.Qualifier]
	if cfg == nil {
		return nil, errFunctionNotFound(c.fn.String())
	}
	if !strings.HasPrefix(cfg.Runtime, "Java") {
		return nil, badField(codeBadRuntime, "function_urn", "%s runs %s; snapshot start is for Java functions only", c.fn, cfg.Runtime)
	}
	return cfg, nil
}

// showFuncSnapshotState answers `state` with the switch (enable or
// disable) and `enableSnapshot` with whether cold starts of the version
// start from a snapshot (true or false).
func showFuncSnapshotState(c *call) (int, any, *apiError) {
	on, err := readFunction(c, func(f *function) (bool, *apiError) {
		if c.fn.IsLatest() || c.fn.Alias() != "" {
			return false, nil
		}
		if f.versions[c.fn.Qualifier] == nil {
			return false, errFunctionNotFound(c.fn.String())
		}
		return f.snapshots[c.fn.Qualifier], nil
	})
	if err != nil {
		return 0, nil, err
	}
	state := map[bool]string{true: "enable", false: "disable"}[on]
	if c.param("action") == "enableSnapshot" {
		state = map[bool]string{true: "true", false: "false"}[on]
	}
	return http.StatusOK, map[string]string{"state": state}, nil
}

func updateFuncSnapshot(c *call) (int, any, *apiError) {
	on := c.param("action") == "enable"
	_, err := writeFunction(c, func(f *function) (any, *apiError) {
		cfg, err := snapshotVersion(c, f)
		if err != nil {
			return nil, err
		}
		if f.snapshots == nil {
			f.snapshots = map[string]bool{}
		}
		f.snapshots[cfg.Version] = on
		return nil, nil
	})
	return http.StatusOK, nil, err
}
