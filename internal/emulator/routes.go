package emulator

import (
	"cmp"
	"sort"
)

// operationHandlers maps every spec operationId the emulator serves to its
// handler; a test checks that no functiongraph or iam operation is missing.
func operationHandlers() map[string]func(*call) {
	return map[string]func(*call){
		opInvoke:                            invokeFunction,
		opAsyncInvoke:                       asyncInvokeFunction,
		"showFunctionAsyncInvokeConfig":     showFunctionAsyncInvokeConfig,
		"updateFunctionAsyncInvokeConfig":   updateFunctionAsyncInvokeConfig,
		"deleteFunctionAsyncInvokeConfig":   deleteFunctionAsyncInvokeConfig,
		"createFunction":                    createFunction,
		"listFunctions":                     listFunctions,
		"deleteFunction":                    deleteFunction,
		"showFunctionConfig":                showFunctionConfig,
		"updateFunctionConfig":              updateFunctionConfig,
		"showFunctionCode":                  showFunctionCode,
		"updateFunctionCode":                updateFunctionCode,
		"createFunctionVersion":             createFunctionVersion,
		"listFunctionVersions":              listFunctionVersions,
		"createVersionAlias":                createVersionAlias,
		"listVersionAliases":                listVersionAliases,
		"listWorkflows":                     listWorkflows,
		"createWorkflow":                    createWorkflow,
		"batchDeleteWorkflows":              batchDeleteWorkflows,
		"createFunctionTrigger":             createFunctionTrigger,
		"listFunctionTriggers":              listFunctionTriggers,
		"deleteFunctionTrigger":             deleteFunctionTrigger,
		"createDependency":                  createDependency,
		"createDependencyVersion":           createDependency,
		"listDependencies":                  listDependencies,
		"listDependencyVersions":            listDependencyVersions,
		"showDependencyVersion":             showDependencyVersion,
		"deleteDependencyVersion":           deleteDependencyVersion,
		"listFunctionAsMetric":              listFunctionAsMetric,
		"listQuotas":                        listQuotas,
		"keystoneCreateUserTokenByPassword": issueToken,
	}
}

// sortBy sorts items by key, keeping equal keys in their order.
func sortBy[T any, K cmp.Ordered](items []T, key func(T) K) {
	sort.SliceStable(items, func(i, j int) bool { return key(items[i]) < key(items[j]) })
}
