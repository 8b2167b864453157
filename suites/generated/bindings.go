package generated

import (
	"encoding/json"
	"fmt"

	"github.com/fgharness/fgharness/internal/fgs"
	"github.com/fgharness/fgharness/spec"
	fw "github.com/fgharness/fgharness/suites/framework"
)

// exampleOf decodes the request example of an operation a positive case is
// built from; ok is false when the operation documents none.
func exampleOf(sp *spec.Spec, opID string) (name string, body map[string]any, ok bool) {
	return fw.PreferredExample(sp, opID)
}

// exampleBody is a fresh copy of the example, for a request.
func exampleBody(opID string) map[string]any {
	_, body, ok := exampleOf(fw.Current().Spec, opID)
	if !ok {
		panic(fmt.Sprintf("generated: %s documents no JSON object request example", opID))
	}
	return body
}

// binders turn a documented example into a request the target can
// satisfy: names of this run instead of the example's, and the kit's
// resources where the example names someone else's.
var binders = map[string]func(k *kit, body map[string]any){
	fgs.OpCreateFunction: func(_ *kit, body map[string]any) {
		body["func_name"] = fw.Current().Name("fn")
		body["package"] = "default"
	},
	fgs.OpUpdateFunctionConfig: func(k *kit, body map[string]any) {
		body["func_name"] = k.fn.Name
		body["user_data"] = `{"FGH_HANDLER":"echo"}`
		delete(body, "xrole") // the example's agency belongs to the documents' account
	},
	fgs.OpCreateFunctionVersion: func(_ *kit, body map[string]any) {
		body["version"] = fw.Current().Name("v")
	},
	fgs.OpCreateVersionAlias: func(_ *kit, body map[string]any) {
		body["name"] = fw.Current().Name("alias")
	},
	fgs.OpUpdateFunctionAsyncInvokeConfig: func(k *kit, body map[string]any) {
		dest, err := json.Marshal(map[string]string{"func_urn": k.fn.URN})
		if err != nil {
			panic(err)
		}
		if cfg, ok := body["destination_config"].(map[string]any); ok {
			if onSuccess, ok := cfg["on_success"].(map[string]any); ok {
				onSuccess["param"] = string(dest)
			}
		}
	},
	fgs.OpCreateDependency:        bindDependency,
	fgs.OpCreateDependencyVersion: bindDependency,
	fgs.OpCreateFunctionTrigger:   bindTrigger,
	fgs.OpCreateWorkflow:          bindWorkflow,
	fgs.OpCreateFunctionApp:       bindApp,
	fgs.OpCreateVpcEndpoint:       bindVpcEndpoint,
	fgs.OpUpdateWorkFlow: func(k *kit, body map[string]any) {
		bindWorkflow(k, body)
		body["name"] = k.workflowName // a new name would move the kit's workflow to another URN
	},
	fgs.OpImportFunction:        bindImport,
	fgs.OpUpdateVersionAlias:    bindAliasUpdate,
	fgs.OpCancelAsyncInvocation: bindCancel,
	fgs.OpBatchDeleteWorkflows: func(k *kit, body map[string]any) {
		body["workflow_urns"] = []any{k.workflow}
	},
	fgs.OpKeystoneCreateUserTokenByPassword: func(_ *kit, body map[string]any) {
		name, password := localIAMUser()
		setPath(body, []string{"auth", "identity", "password", "user", "name"}, name)
		setPath(body, []string{"auth", "identity", "password", "user", "password"}, password)
		setPath(body, []string{"auth", "scope", "project"}, map[string]any{"id": fw.Current().Target.ProjectID})
	},
}

// bindDependency uploads the zip of the createFunction example inline, so
// no OBS bucket is needed, under a name of this run.
func bindDependency(_ *kit, body map[string]any) {
	body["name"] = fw.Current().Name("dep")
	body["depend_type"] = "zip"
	body["depend_file"] = documentedZip()
	delete(body, "depend_link")
}

func bindTrigger(_ *kit, body map[string]any) {
	if data, ok := body["event_data"].(map[string]any); ok {
		data["name"] = fw.Current().Name("timer")
	}
}

func bindWorkflow(k *kit, body map[string]any) {
	body["name"] = fw.Current().Name("flow")
	if fns, ok := body["functions"].([]any); ok {
		for _, f := range fns {
			if m, ok := f.(map[string]any); ok {
				m["operation"] = k.fn.URN
			}
		}
	}
}

// documentedZip is the base64 code package of the createFunction example.
func documentedZip() string {
	body := exampleBody(fgs.OpCreateFunction)
	code, _ := body["func_code"].(map[string]any)
	file, _ := code["file"].(string)
	if file == "" {
		panic("generated: the createFunction example carries no func_code.file to upload as a dependency")
	}
	return file
}

func setPath(body map[string]any, path []string, value any) {
	m := body
	for _, p := range path[:len(path)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[path[len(path)-1]] = value
}

// positiveBody is the operation's example bound to the kit, or nil when
// the operation takes no body.
func (k *kit) positiveBody() map[string]any {
	if k.op.Raw().RequestBody == nil {
		return nil
	}
	return k.boundExample(k.op.ID)
}

// boundExample is opID's documented example bound to the kit (see binders).
func (k *kit) boundExample(opID string) map[string]any {
	body := exampleBody(opID)
	if bind := binders[opID]; bind != nil {
		bind(k, body)
	}
	return body
}
