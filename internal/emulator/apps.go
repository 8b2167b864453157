package emulator

import (
	"net/http"
	"strings"
	"time"
)

// functionApp is an application deployed from an application template.
// The emulator deploys nothing: the stack lists the function the template
// would create.
type functionApp struct {
	ID           string
	Name         string
	Description  string
	TemplateID   string
	Params       map[string]string
	LastModified int64
	StackID      string
	seq          int64
}

const appDeployed = "success"

type createAppRequest struct {
	Name                string            `json:"name"`
	TemplateID          string            `json:"template_id"`
	Description         string            `json:"description"`
	EnterpriseProjectID string            `json:"enterprise_project_id"`
	AgencyName          string            `json:"agency_name"`
	Params              map[string]string `json:"params"`
}

// createFunctionApp checks the template exists; a missing name is the
// template's name with a suffix, a taken name is a conflict.
func createFunctionApp(c *call) (int, any, *apiError) {
	var req createAppRequest
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if req.TemplateID != "" {
		if _, found := findAppTemplate(req.TemplateID); !found {
			return 0, nil, newError(http.StatusNotFound, codeNotFound, "The application template %s does not exist", req.TemplateID)
		}
	}
	id := newID()
	if req.Name == "" {
		prefix := "app"
		if t, found := findAppTemplate(req.TemplateID); found {
			prefix = t.Name
		}
		req.Name = prefix + "-" + id[:8]
	}
	var err *apiError
	s := c.e.store
	s.write(func() {
		p := &s.project
		for _, a := range p.apps {
			if a.Name == req.Name {
				err = newError(http.StatusConflict, codeConflict, "The application %s already exists", req.Name)
				return
			}
		}
		if p.apps == nil {
			p.apps = map[string]*functionApp{}
		}
		p.appSeq++
		p.apps[id] = &functionApp{
			ID: id, Name: req.Name, Description: req.Description, TemplateID: req.TemplateID, Params: req.Params,
			LastModified: time.Now().UnixMilli(), StackID: newID(), seq: p.appSeq,
		}
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]string{"application_id": id}, nil
}

func listFunctionApplications(c *call) (int, any, *apiError) {
	return listPage(c, limit100, "applications", func() ([]appSummary, *apiError) {
		var all []appSummary
		s := c.e.store
		s.read(func() {
			for _, a := range s.project.apps {
				all = append(all, appSummary{a.ID, a.Name, appDeployed, a.LastModified, a.Description, a.seq})
			}
		})
		sortBy(all, func(a appSummary) int64 { return a.seq })
		return all, nil
	})
}

// appSummary is an application as listFunctionApplications lists it.
type appSummary struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Status       string `json:"status"`
	LastModified int64  `json:"last_modified_time"`
	Description  string `json:"description,omitempty"`
	seq          int64
}

func showFunctionApp(c *call) (int, any, *apiError) {
	var a *functionApp
	c.e.store.read(func() { a = c.e.store.project.apps[c.param("id")] })
	if a == nil {
		return 0, nil, errAppNotFound(c.param("id"))
	}
	funcName := a.Params["func_name"]
	if funcName == "" {
		funcName = a.Name
	}
	return http.StatusOK, map[string]any{
		"name": a.Name, "description": a.Description, "status": appDeployed,
		"last_modified_time": a.LastModified, "stack_name": a.Name, "stack_id": a.StackID,
		"project_id": c.e.cfg.ProjectID,
		"stack_resources": map[string]string{
			"physical_resource_name": funcName, "logical_resource_name": funcName,
			"logical_resource_type": "huaweicloud.fgs.function", "resource_status": "CREATION_COMPLETE",
		},
	}, nil
}

func deleteFunctionApp(c *call) (int, any, *apiError) {
	id := c.param("id")
	var found bool
	s := c.e.store
	s.write(func() { found = removeKey(s.project.apps, id) })
	if !found {
		return 0, nil, errAppNotFound(id)
	}
	return http.StatusOK, nil, nil // the lowest documented success status
}

func errAppNotFound(id string) *apiError {
	return newError(http.StatusNotFound, codeNotFound, "The application %s does not exist", id)
}

func findAppTemplate(id string) (appTemplate, bool) {
	for _, t := range appTemplates {
		if t.ID == id {
			return t, true
		}
	}
	return appTemplate{}, false
}

// listAppTemplates narrows the catalogue by runtime and category
// (case-insensitive) and pages it with marker/maxitems.
func listAppTemplates(c *call) (int, any, *apiError) {
	return listPage(c, maxItems100, "templates", func() ([]appTemplateSummary, *apiError) {
		var found []appTemplateSummary
		for _, t := range appTemplates {
			if matchesFilter(c.query("runtime"), t.Runtime) && matchesFilter(c.query("category"), t.Category) {
				found = append(found, appTemplateSummary{t.ID, t.Name, t.Runtime, t.Category, t.Description, t.Image})
			}
		}
		return found, nil
	})
}

// appTemplateSummary is an application template as listAppTemplates lists it.
type appTemplateSummary struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Runtime     string `json:"runtime"`
	Category    string `json:"category"`
	Description string `json:"description"`
	Image       string `json:"image,omitempty"`
}

func showAppTemplate(c *call) (int, any, *apiError) {
	t, found := findAppTemplate(c.param("id"))
	if !found {
		return 0, nil, newError(http.StatusNotFound, codeNotFound, "The application template %s does not exist", c.param("id"))
	}
	return http.StatusOK, t, nil
}

// listFunctionTemplate narrows the catalogue by runtime, scene and service;
// ispublic=false asks for the tenant's own templates, of which there are none.
func listFunctionTemplate(c *call) (int, any, *apiError) {
	marker, size, err := pageParams(c, "maxitems", 100, 500)
	if err != nil {
		return 0, nil, err
	}
	found := []functionTemplate{}
	if !strings.EqualFold(c.query("ispublic"), "false") {
		for _, t := range functionTemplates {
			if matchesFilter(c.query("runtime"), t.Runtime) && matchesFilter(c.query("scene"), t.Scene) && matchesFilter(c.query("service"), t.Service) {
				found = append(found, t)
			}
		}
	}
	page, info := pageOf(found, marker, size)
	return http.StatusOK, map[string]any{"func_templates": page, "next_marker": info.NextMarker}, nil
}

// codeTemplateNotFound is the code the function-template page documents.
const codeTemplateNotFound = "FSS.1059"

func showFunctionTemplate(c *call) (int, any, *apiError) {
	for _, t := range functionTemplates {
		if t.ID == c.param("template_id") {
			return http.StatusOK, t, nil
		}
	}
	return 0, nil, newError(http.StatusNotFound, codeTemplateNotFound, "The function template does not exist.")
}

func matchesFilter(want, have string) bool { return want == "" || strings.EqualFold(want, have) }
