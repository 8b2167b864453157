package emulator

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"path"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/fgharness/fgharness/internal/fgs"
)

// codeFunctionExists is the import page's "The function has existed".
const codeFunctionExists = "FSS.1061"

// An exported package is a zip holding the configuration as
// "<func_name>.yaml" and the code package, unchanged, under "code/"; a
// code-only export is the code package itself. importFunction reads both,
// and any other zip counts as a code package with default settings.
const exportCodeDir = "code/"

// importDefaults configure a function imported from a bare code package.
const (
	importRuntime = "Python3.9"
	importHandler = "index.handler"
	importMemory  = 128
	importTimeout = 30
)

// exportedConfig is the configuration file of an exported package.
type exportedConfig struct {
	FuncName           string              `yaml:"func_name"`
	Package            string              `yaml:"package"`
	Runtime            string              `yaml:"runtime"`
	Handler            string              `yaml:"handler"`
	MemorySize         int                 `yaml:"memory_size"`
	Timeout            int                 `yaml:"timeout"`
	CodeType           string              `yaml:"code_type"`
	CodeFilename       string              `yaml:"code_filename,omitempty"`
	CodeURL            string              `yaml:"code_url,omitempty"`
	CustomImage        string              `yaml:"custom_image,omitempty"`
	UserData           string              `yaml:"user_data,omitempty"`
	Description        string              `yaml:"description,omitempty"`
	Xrole              string              `yaml:"xrole,omitempty"`
	AppXrole           string              `yaml:"app_xrole,omitempty"`
	InitializerHandler string              `yaml:"initializer_handler,omitempty"`
	InitializerTimeout int                 `yaml:"initializer_timeout,omitempty"`
	Type               string              `yaml:"type,omitempty"`
	DependVersionList  []string            `yaml:"depend_version_list,omitempty"`
	StrategyConfig     *fgs.StrategyConfig `yaml:"strategy_config,omitempty"`
}

// exportFunction answers the package as application/zip.
func exportFunction(c *call) (int, any, *apiError) {
	q := c.r.URL.Query()
	withCode, withConfig := q.Get("code") == "true", q.Get("config") == "true"
	if typ := q.Get("type"); typ != "" {
		if q.Has("code") || q.Has("config") {
			return 0, nil, newError(http.StatusBadRequest, codeBadQuery, "Invalid query parameter type: not to be combined with code or config")
		}
		withCode, withConfig = typ == "code", typ == "config"
	}
	if !withCode && !withConfig {
		return 0, nil, newError(http.StatusBadRequest, codeBadQuery, "Invalid query parameter: set code=true, config=true or type")
	}
	_, cfg, err := resolvedConfig(c)
	if err != nil {
		return 0, nil, err
	}
	hasPackage := cfg.CodeType == "inline" || cfg.CodeType == "zip" || cfg.CodeType == "jar"
	if withCode && !hasPackage {
		return 0, nil, badField(codeBadCodeType, "code", "the code of %s is kept in %s, not in FunctionGraph; export its configuration", cfg.FuncName, cfg.CodeType)
	}
	var body []byte
	if withCode && !withConfig {
		body = append([]byte(nil), cfg.code...)
	} else {
		var zerr error
		if body, zerr = exportPackage(cfg, withCode); zerr != nil {
			return 0, nil, newError(http.StatusInternalServerError, codeInternal, "Internal server error: %v", zerr)
		}
	}
	h := c.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", `attachment; filename="`+cfg.FuncName+`.zip"`)
	return http.StatusOK, rawBody{&body}, nil
}

// exportPackage zips the configuration file and, withCode, the code package.
func exportPackage(cfg *functionConfig, withCode bool) ([]byte, error) {
	conf := exportedConfig{
		FuncName: cfg.FuncName, Package: cfg.Package, Runtime: cfg.Runtime, Handler: cfg.Handler,
		MemorySize: cfg.MemorySize, Timeout: cfg.Timeout, CodeType: cfg.CodeType, CodeFilename: cfg.CodeFilename,
		CodeURL: cfg.CodeURL, UserData: cfg.UserData, Description: cfg.Description, Xrole: cfg.Xrole,
		AppXrole: cfg.AppXrole, InitializerHandler: cfg.InitializerHandler, InitializerTimeout: cfg.InitializerTimeout,
		Type: cfg.Type, DependVersionList: cfg.DependVersionList, StrategyConfig: &cfg.StrategyConfig,
	}
	if cfg.CodeType == "Custom-Image-Swr" {
		conf.CustomImage = string(cfg.code)
	}
	text, err := yaml.Marshal(conf)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	files := []struct {
		name string
		data []byte
	}{{cfg.FuncName + ".yaml", text}}
	if withCode {
		files = append(files, struct {
			name string
			data []byte
		}{exportCodeDir + path.Base(cfg.CodeFilename), cfg.code})
	}
	for _, f := range files {
		w, err := zw.Create(f.name)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// importFunction creates a function from an exported package or a bare
// code zip; the request's func_name (and package, when given) win over the
// package's own.
func importFunction(c *call) (int, any, *apiError) {
	var req struct {
		FuncName string `json:"func_name"`
		FileName string `json:"file_name"`
		FileType string `json:"file_type"`
		FileCode string `json:"file_code"`
		Package  string `json:"package"`
	}
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	raw, err := base64.StdEncoding.DecodeString(req.FileCode)
	if err != nil {
		return 0, nil, badField(codeBadCode, "file_code", "is not base64: %v", err)
	}
	create, perr := importedRequest(raw, req.FileName)
	if perr != nil {
		return 0, nil, perr
	}
	create.FuncName = req.FuncName
	if req.Package != "" {
		create.Package = req.Package
	}
	if create.Package == "" {
		create.Package = "default"
	}
	cfg, aerr := c.e.createFunctionFrom(create)
	if aerr != nil {
		if aerr.code == codeConflict {
			return 0, nil, newError(http.StatusConflict, codeFunctionExists, "The function has existed: %s in package %s", create.FuncName, create.Package)
		}
		return 0, nil, aerr
	}
	return http.StatusOK, cfg, nil
}

// importedRequest reads a package into a create request.
func importedRequest(raw []byte, fileName string) (*functionRequest, *apiError) {
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		return nil, badField(codeBadCode, "file_code", "is not a zip package: %v", err)
	}
	var conf *exportedConfig
	var code []byte
	codeName := ""
	for _, f := range zr.File {
		switch {
		case !strings.Contains(f.Name, "/") && strings.HasSuffix(f.Name, ".yaml") && conf == nil:
			var c exportedConfig
			data, rerr := readZipFile(f)
			if rerr == nil && yaml.Unmarshal(data, &c) == nil && c.Runtime != "" && c.Handler != "" {
				conf = &c
			}
		case strings.HasPrefix(f.Name, exportCodeDir) && !strings.HasSuffix(f.Name, "/") && code == nil:
			data, rerr := readZipFile(f)
			if rerr != nil {
				return nil, badField(codeBadCode, "file_code", "entry %s: %v", f.Name, rerr)
			}
			code, codeName = data, path.Base(f.Name)
		}
	}
	if conf == nil {
		// a bare code package: the whole zip is the code
		return &functionRequest{
			Runtime: importRuntime, Handler: importHandler, MemorySize: importMemory, Timeout: importTimeout,
			CodeType: "zip", CodeFilename: path.Base(fileName), FuncCode: &fgs.FuncCode{File: base64.StdEncoding.EncodeToString(raw)},
		}, nil
	}
	req := &functionRequest{
		Package: conf.Package, Runtime: conf.Runtime, Handler: conf.Handler, MemorySize: conf.MemorySize, Timeout: conf.Timeout,
		CodeType: conf.CodeType, CodeFilename: conf.CodeFilename, CodeURL: conf.CodeURL, Type: conf.Type,
		DependVersionList: conf.DependVersionList, StrategyConfig: conf.StrategyConfig,
		UserData: &conf.UserData, Description: &conf.Description, Xrole: &conf.Xrole, AppXrole: &conf.AppXrole,
	}
	if conf.InitializerHandler != "" {
		req.InitializerHandler, req.InitializerTimeout = &conf.InitializerHandler, &conf.InitializerTimeout
	}
	switch {
	case code != nil:
		req.FuncCode = &fgs.FuncCode{File: base64.StdEncoding.EncodeToString(code)}
		req.CodeFilename = codeName
	case req.CodeType == "obs":
	case req.CodeType == "Custom-Image-Swr":
		req.CustomImage = &customImage{Image: conf.CustomImage}
	default:
		// configuration only: the function starts with an empty inline package
		req.CodeType, req.CodeFilename, req.FuncCode = "inline", "", &fgs.FuncCode{}
	}
	return req, nil
}

// readZipFile reads one entry, at most the largest code package the
// emulator accepts in a request.
func readZipFile(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, maxImportedEntry))
}

// maxImportedEntry bounds what one zip entry may expand to.
const maxImportedEntry = 64 << 20
