package generated

import (
	"net/http"
	"net/url"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/fgharness/fgharness/internal/fgs"
	fw "github.com/fgharness/fgharness/suites/framework"
)

// valueParams are path parameters that carry a value rather than name a
// resource, so there is no "unknown" one to provoke a 404 with.
var valueParams = map[string]bool{"period": true}

// positiveQueries are the query parameters a positive request needs: the
// required ones, with a value the documents name.
var positiveQueries = map[string]url.Values{
	fgs.OpListStatistics:     {"filter": {"monitor_data"}, "period": {"60"}},
	fgs.OpListBridgeVersions: {"type": {"DUBBO"}},
	fgs.OpExportFunction:     {"type": {"code"}}, // export must say what to export
}

func positiveQuery(opID string) url.Values {
	q := positiveQueries[opID]
	if q == nil {
		return nil
	}
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// settingsParam fills the path parameters of the tag, metric, template and
// application operations.
func (k *kit) settingsParam(name string) string {
	GinkgoHelper()
	switch name {
	case "resource_type":
		return "functions" // the only type the documents name
	case "resource_id", "func_urn":
		return k.fn.URN
	case "action":
		return "filter"
	case "period":
		return "60"
	case "id":
		if k.op.ID == fgs.OpShowAppTemplate {
			return firstCatalogueID(fgs.OpListAppTemplates, "templates")
		}
		return k.appID
	case "template_id":
		return firstCatalogueID(fgs.OpListFunctionTemplate, "func_templates")
	}
	Fail("generated: no value for path parameter " + name + " of " + k.op.ID)
	return ""
}

// firstCatalogueID is the ID of the first entry a catalogue listing answers.
func firstCatalogueID(opID, member string) string {
	GinkgoHelper()
	entries, _ := fw.Call(fw.Request{Operation: opID}).ExpectStatus(http.StatusOK).Object()[member].([]any)
	if len(entries) > 0 {
		if first, _ := entries[0].(map[string]any); first != nil {
			if id, _ := first["id"].(string); id != "" {
				return id
			}
		}
	}
	Skip(opID + " lists no entry to look at")
	return ""
}

// bindApp deploys the first application template under a name of this run.
func bindApp(_ *kit, body map[string]any) {
	body["name"] = fw.Current().Name("app")
	body["template_id"] = firstCatalogueID(fgs.OpListAppTemplates, "templates")
}

func (k *kit) makeApp() {
	GinkgoHelper()
	resp, _ := k.callExample(fgs.OpCreateFunctionApp, nil)
	Expect(resp.Status).To(BeNumerically("<", 300), "createFunctionApp: %s", resp.Snippet())
	k.appID = adoptApp(resp)
}

func adoptApp(resp *fw.Response) string {
	GinkgoHelper()
	id := resp.String("application_id")
	Expect(id).NotTo(BeEmpty(), "createFunctionApp: body /application_id: expected the new application's ID: %s", resp.Snippet())
	deleteAfterwards(fgs.OpDeleteFunctionApp, map[string]string{"id": id})
	return id
}

// deleteAfterwards calls a delete operation when the current spec or
// container ends; a 404 (already gone, or never made) counts as done.
func deleteAfterwards(opID string, path map[string]string) {
	DeferCleanup(func(ctx SpecContext) {
		r, err := fw.Current().Do(ctx, fw.Request{Operation: opID, Path: path})
		Expect(err).NotTo(HaveOccurred())
		Expect(r.Status).To(Or(BeNumerically("<", 300), Equal(http.StatusNotFound)),
			"cleanup: %s %v answered %d: %s", opID, path, r.Status, r.Snippet())
	})
}

// bindVpcEndpoint names a subnet of this run and removes its endpoint
// afterwards (an endpoint the request did not make answers 404, which is fine).
func bindVpcEndpoint(k *kit, body map[string]any) {
	GinkgoHelper()
	vpc, subnet := fw.Current().Name("vpc"), fw.Current().Name("subnet")
	body["vpc_id"], body["subnet_id"] = vpc, subnet
	deleteAfterwards(fgs.OpDeleteVpcEndpoint, map[string]string{"vpc_id": vpc, "subnet_id": subnet})
}

func (k *kit) makeVpcEndpoint() {
	GinkgoHelper()
	resp, body := k.callExample(fgs.OpCreateVpcEndpoint, nil)
	Expect(resp.Status).To(BeNumerically("<", 300), "createVpcEndpoint: %s", resp.Snippet())
	k.vpcID, k.subnetID = body["vpc_id"].(string), body["subnet_id"].(string)
}
