package emulator

import (
	"crypto/sha512"
	"encoding/hex"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/internal/urn"
)

// functionRequest is the body of createFunction and updateFunctionConfig
// (update ignores package and the code fields).
type functionRequest struct {
	FuncName            string              `json:"func_name"`
	Package             string              `json:"package"`
	Runtime             string              `json:"runtime"`
	Timeout             int                 `json:"timeout"`
	Handler             string              `json:"handler"`
	MemorySize          int                 `json:"memory_size"`
	CodeType            string              `json:"code_type"`
	CodeURL             string              `json:"code_url"`
	CodeFilename        string              `json:"code_filename"`
	FuncCode            *fgs.FuncCode       `json:"func_code"`
	CustomImage         *customImage        `json:"custom_image"`
	UserData            *string             `json:"user_data"`
	EncryptedUserData   *string             `json:"encrypted_user_data"`
	Xrole               *string             `json:"xrole"`
	AppXrole            *string             `json:"app_xrole"`
	Description         *string             `json:"description"`
	InitializerHandler  *string             `json:"initializer_handler"`
	InitializerTimeout  *int                `json:"initializer_timeout"`
	EnterpriseProjectID *string             `json:"enterprise_project_id"`
	Type                string              `json:"type"`
	DependVersionList   []string            `json:"depend_version_list"`
	StrategyConfig      *fgs.StrategyConfig `json:"strategy_config"`
}

type customImage struct {
	Image string `json:"image"`
}

func createFunction(c *call) (int, any, *apiError) {
	var req functionRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	cfg, err := c.e.createFunctionFrom(&req)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, cfg, nil
}

// createFunctionFrom creates a function from a create request (also what
// importFunction makes of a package).
func (e *Emulator) createFunctionFrom(req *functionRequest) (*functionConfig, *apiError) {
	if err := checkHandler("handler", req.Handler, req.Runtime); err != nil {
		return nil, err
	}
	code, err := buildCode(req)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	u := urn.Function(e.cfg.Region, e.cfg.ProjectID, req.Package, req.FuncName, urn.Latest)
	cfg := &functionConfig{
		FuncID: newID(), FuncURN: u.String(), FuncName: req.FuncName, DomainID: e.cfg.DomainID,
		Namespace: e.cfg.ProjectID, ProjectName: e.cfg.Region, Package: req.Package,
		CodeType: req.CodeType, CodeURL: req.CodeURL, CodeFilename: req.CodeFilename,
		Version: urn.Latest, EnterpriseProjectID: "0", Type: "v2",
		StrategyConfig: fgs.StrategyConfig{Concurrency: -1, ConcurrentNum: 1},
	}
	if req.Type != "" {
		cfg.Type = req.Type
	}
	if req.StrategyConfig != nil {
		cfg.StrategyConfig = *req.StrategyConfig
	}
	if err := applyConfig(cfg, req, now); err != nil {
		return nil, err
	}
	setCode(cfg, code, now)

	e.store.write(func() {
		key := fnKey{req.Package, req.FuncName}
		if e.store.functions[key] != nil {
			err = newError(http.StatusConflict, codeConflict, "The function %s already exists in package %s", req.FuncName, req.Package)
			return
		}
		if err = e.resolveDependencies(cfg, req.DependVersionList); err != nil {
			return
		}
		e.store.functions[key] = &function{
			key: key, seq: e.store.nextSeq(), latest: cfg,
			versions: map[string]*functionConfig{}, aliases: map[string]*alias{},
			triggers: map[string]*trigger{}, rt: &runtimeState{},
		}
	})
	if err != nil {
		return nil, err
	}
	e.log.Info("function created", "urn", cfg.FuncURN, "runtime", cfg.Runtime, "handler_behaviour", cfg.behaviour.kind)
	return cfg, nil
}

// applyConfig copies the settable configuration of req onto cfg and derives
// what depends on it. The spec validator has checked enums and ranges.
func applyConfig(cfg *functionConfig, req *functionRequest, now time.Time) *apiError {
	cfg.Runtime, cfg.Timeout, cfg.Handler, cfg.MemorySize = req.Runtime, req.Timeout, req.Handler, req.MemorySize
	cfg.CPU = 200 + cfg.MemorySize*100/128
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&cfg.UserData, req.UserData)
	set(&cfg.EncryptedUserData, req.EncryptedUserData)
	set(&cfg.Xrole, req.Xrole)
	set(&cfg.AppXrole, req.AppXrole)
	set(&cfg.Description, req.Description)
	set(&cfg.InitializerHandler, req.InitializerHandler)
	set(&cfg.EnterpriseProjectID, req.EnterpriseProjectID)
	if req.InitializerTimeout != nil {
		cfg.InitializerTimeout = *req.InitializerTimeout
	}
	if cfg.InitializerHandler != "" {
		if err := checkHandler("initializer_handler", cfg.InitializerHandler, ""); err != nil {
			return err
		}
	}
	b, err := parseBehaviour(cfg.UserData)
	if err != nil {
		return err
	}
	cfg.behaviour = b
	cfg.LastModified = nowStamp(now)
	cfg.ImageName = imageName(cfg.Version, now)
	return nil
}

// checkHandler applies the documented rule "xx.xx, must contain a dot",
// which code runtimes follow; a Custom or http runtime names its executable
// (bootstrap) and a custom image has no handler ("-").
func checkHandler(field, h, runtime string) *apiError {
	if runtime == "Custom" || runtime == "http" || runtime == "Custom Image" {
		if h == "" || strings.ContainsAny(h, " \t\r\n") {
			return badField(codeBadHandler, field, "%q must name the executable, like bootstrap, or be - for a custom image", h)
		}
		return nil
	}
	i := strings.IndexByte(h, '.')
	if i <= 0 || strings.HasSuffix(h, ".") || strings.ContainsAny(h, " \t\r\n/\\") {
		return badField(codeBadHandler, field, "%q must look like file.function (for example index.handler)", h)
	}
	return nil
}

func imageName(version string, now time.Time) string {
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
	var suffix [5]byte
	for i := range suffix {
		suffix[i] = letters[rand.IntN(len(letters))]
	}
	return version + "-" + now.UTC().Format("060102150405") + "@" + string(suffix[:])
}

// setCode records the code package: size and SHA-512 digest of what was
// uploaded (for obs code, of the link, since the emulator cannot fetch it).
func setCode(cfg *functionConfig, code []byte, now time.Time) {
	sum := sha512.Sum512(code)
	cfg.Digest = hex.EncodeToString(sum[:])
	cfg.code = code
	cfg.CodeSize = int64(len(code))
	if cfg.CodeType == "obs" {
		cfg.CodeSize = 0
	}
	cfg.LastModified = nowStamp(now)
}

func listFunctions(c *call) (int, any, *apiError) {
	pkg, name := c.query("package_name"), c.query("func_name")
	return listPage(c, maxItems400, "functions", func() ([]*functionConfig, *apiError) {
		var matched []*functionConfig
		c.e.store.read(func() {
			for _, f := range c.e.store.sortedFunctions() {
				if (pkg == "" || f.key.pkg == pkg) && (name == "" || strings.Contains(f.key.name, name)) {
					matched = append(matched, f.latest)
				}
			}
		})
		return matched, nil
	})
}

func showFunctionConfig(c *call) (int, any, *apiError) {
	_, cfg, err := resolvedConfig(c)
	return http.StatusOK, cfg, err
}

// errNotLatest refuses a change to a published version or alias.
func errNotLatest(u urn.URN) *apiError {
	return badField(codeBadVersion, "function_urn", "%s is a published version or alias, which cannot change; update latest", u)
}

func updateFunctionConfig(c *call) (int, any, *apiError) {
	var req functionRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if err := checkHandler("handler", req.Handler, req.Runtime); err != nil {
		return 0, nil, err
	}
	next, err := writeFunction(c, func(f *function) (*functionConfig, *apiError) {
		if !c.fn.IsLatest() {
			return nil, errNotLatest(c.fn)
		}
		if req.FuncName != f.key.name {
			return nil, badField(codeBadFuncName, "func_name", "%q differs from the function's name %q; a function cannot be renamed", req.FuncName, f.key.name)
		}
		next := *f.latest
		if req.StrategyConfig != nil {
			next.StrategyConfig = *req.StrategyConfig
		}
		if err := applyConfig(&next, &req, time.Now()); err != nil {
			return nil, err
		}
		f.latest = &next
		return &next, nil
	})
	return http.StatusOK, next, err
}

// deleteFunction deletes the function with its versions, aliases and
// triggers, or, for a qualified URN, one version or alias.
func deleteFunction(c *call) (int, any, *apiError) {
	u := c.fn
	var triggers []*trigger
	f, err := writeFunction(c, func(f *function) (*function, *apiError) {
		if !u.IsLatest() {
			return nil, f.deleteVersion(u.Qualifier)
		}
		delete(c.e.store.functions, f.key)
		for _, t := range f.triggers {
			triggers = append(triggers, t)
		}
		return f, nil
	})
	if err != nil || f == nil {
		return http.StatusNoContent, nil, err
	}
	for _, t := range triggers {
		t.stop()
	}
	c.e.hub.Remove(fnHubKey(f))
	c.e.log.Info("function deleted", "urn", u.Unqualified().String())
	return http.StatusNoContent, nil, nil
}
