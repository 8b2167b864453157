package emulator

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"path"
	"time"

	"github.com/fgharness/fgharness/internal/fgs"
)

// buildCode checks that the fields each code type needs are there and
// returns the code package: the decoded func_code.file for inline, zip and
// jar; the link for obs; the image name for Custom-Image-Swr.
func buildCode(req *functionRequest) ([]byte, *apiError) {
	if req.CodeType == "" {
		req.CodeType = "inline"
	}
	file := ""
	if req.FuncCode != nil {
		file = req.FuncCode.File
	}
	switch req.CodeType {
	case "inline", "zip", "jar":
		if (req.CodeType == "zip" || req.CodeType == "jar") && file == "" {
			return nil, badField(codeCodeMissing, "func_code.file", "code_type %s needs the package, base64-encoded, in func_code.file", req.CodeType)
		}
		if (req.CodeType == "zip" || req.CodeType == "jar") && req.CodeFilename == "" {
			return nil, badField(codeBadCode, "code_filename", "code_type %s needs code_filename", req.CodeType)
		}
		code, err := base64.StdEncoding.DecodeString(file)
		if err != nil {
			return nil, badField(codeBadCode, "func_code.file", "not valid base64: %v", err)
		}
		if req.CodeFilename == "" {
			req.CodeFilename = "index.zip"
		}
		req.CodeURL = ""
		return code, nil
	case "obs":
		u, err := url.Parse(req.CodeURL)
		if req.CodeURL == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, badField(codeBadURL, "code_url", "code_type obs needs an http(s) link to the package, got %q", req.CodeURL)
		}
		if req.CodeFilename == "" {
			req.CodeFilename = path.Base(u.Path)
		}
		return []byte(req.CodeURL), nil
	case "Custom-Image-Swr":
		if req.CustomImage == nil || req.CustomImage.Image == "" {
			return nil, badField(codeCodeMissing, "custom_image.image", "code_type Custom-Image-Swr needs custom_image.image")
		}
		return []byte(req.CustomImage.Image), nil
	}
	return nil, badField(codeBadCodeType, "code_type", "%q is not a code type", req.CodeType)
}

// functionCodeView is the body of showFunctionCode and updateFunctionCode.
type functionCodeView struct {
	FuncURN           string             `json:"func_urn"`
	FuncName          string             `json:"func_name"`
	DomainID          string             `json:"domain_id"`
	Runtime           string             `json:"runtime"`
	CodeType          string             `json:"code_type"`
	CodeURL           string             `json:"code_url,omitempty"`
	CodeFilename      string             `json:"code_filename,omitempty"`
	CodeSize          int64              `json:"code_size"`
	Digest            string             `json:"digest"`
	LastModified      string             `json:"last_modified"`
	FuncCode          fgs.FuncCode       `json:"func_code"`
	DependVersionList []string           `json:"depend_version_list"`
	StrategyConfig    fgs.StrategyConfig `json:"strategy_config"`
	Dependencies      []dependencyRef    `json:"dependencies"`
}

func codeView(cfg *functionConfig) functionCodeView {
	v := functionCodeView{
		FuncURN: cfg.FuncURN, FuncName: cfg.FuncName, DomainID: cfg.DomainID, Runtime: cfg.Runtime,
		CodeType: cfg.CodeType, CodeURL: cfg.CodeURL, CodeFilename: cfg.CodeFilename, CodeSize: cfg.CodeSize,
		Digest: cfg.Digest, LastModified: cfg.LastModified, StrategyConfig: cfg.StrategyConfig,
		DependVersionList: append([]string{}, cfg.DependVersionList...), Dependencies: append([]dependencyRef{}, cfg.Dependencies...),
	}
	switch cfg.CodeType {
	case "obs":
		v.FuncCode.Link = cfg.CodeURL
	case "inline", "zip", "jar":
		v.FuncCode.File = base64.StdEncoding.EncodeToString(cfg.code)
	}
	return v
}

func showFunctionCode(c *call) (int, any, *apiError) {
	_, cfg, err := resolvedConfig(c)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, codeView(cfg), nil
}

func updateFunctionCode(c *call) (int, any, *apiError) {
	var req functionRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	code, err := buildCode(&req)
	if err != nil {
		return 0, nil, err
	}
	next, err := writeFunction(c, func(f *function) (*functionConfig, *apiError) {
		if !c.fn.IsLatest() {
			return nil, errNotLatest(c.fn)
		}
		next := *f.latest
		next.CodeType, next.CodeURL, next.CodeFilename = req.CodeType, req.CodeURL, req.CodeFilename
		if req.DependVersionList != nil {
			if err := c.e.resolveDependencies(&next, req.DependVersionList); err != nil {
				return nil, err
			}
		}
		setCode(&next, code, time.Now())
		f.latest = &next
		return &next, nil
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, codeView(next), nil
}
