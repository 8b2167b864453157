package sdkref

import (
	"net/http"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/basic"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	functiongraph "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/functiongraph/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/functiongraph/v2/model"
)

// NewClient is an official SDK client for the tests that drive a loopback
// endpoint with it: it signs with AK/SK for projectID and sends to endpoint
// through rt (certificates unchecked: the endpoint is a local test server).
func NewClient(endpoint, ak, sk, projectID string, rt http.RoundTripper) (*functiongraph.FunctionGraphClient, error) {
	cred, err := basic.NewCredentialsBuilder().WithAk(ak).WithSk(sk).WithProjectId(projectID).SafeBuild()
	if err != nil {
		return nil, err
	}
	hc, err := functiongraph.FunctionGraphClientBuilder().
		WithEndpoints([]string{endpoint}).
		WithCredential(cred).
		WithHttpConfig(config.DefaultHttpConfig().WithIgnoreSSLVerification(true).WithHttpRoundTripper(rt)).
		SafeBuild()
	if err != nil {
		return nil, err
	}
	return functiongraph.NewFunctionGraphClient(hc), nil
}

// CreateInlineFunction is the SDK's createFunction request for a small
// inline Python 3.9 function named name.
func CreateInlineFunction(name string) *model.CreateFunctionRequest {
	codeType := model.GetCreateFunctionRequestBodyCodeTypeEnum().INLINE
	file := "aW1wb3J0IGpzb24K" // "import json"
	return &model.CreateFunctionRequest{Body: &model.CreateFunctionRequestBody{
		FuncName: name, Package: "default", Runtime: model.GetCreateFunctionRequestBodyRuntimeEnum().PYTHON3_9,
		Timeout: 30, Handler: "index.handler", MemorySize: 128, CodeType: &codeType,
		FuncCode: &model.FuncCode{File: &file},
	}}
}
