package emulator

import (
	"cmp"
	"sort"

	"github.com/fgharness/fgharness/internal/fgs"
)

// operationHandlers maps every spec operationId the emulator serves to its
// handler, grouped by the file that holds the area's handlers; a test checks
// that no functiongraph or iam operation is missing. A new operation is one
// line here (see HANDLERS.md).
func operationHandlers() map[string]handler {
	return map[string]handler{
		// aliases.go: the alias operations.
		fgs.OpCreateVersionAlias: createVersionAlias,
		fgs.OpListVersionAliases: listVersionAliases,
		fgs.OpShowVersionAlias:   showVersionAlias,
		fgs.OpUpdateVersionAlias: updateVersionAlias,
		fgs.OpDeleteVersionAlias: deleteVersionAlias,

		// apps.go: the application operations and the template catalogues.
		fgs.OpCreateFunctionApp:        createFunctionApp,
		fgs.OpListFunctionApplications: listFunctionApplications,
		fgs.OpShowFunctionApp:          showFunctionApp,
		fgs.OpDeleteFunctionApp:        deleteFunctionApp,
		fgs.OpListAppTemplates:         listAppTemplates,
		fgs.OpShowAppTemplate:          showAppTemplate,
		fgs.OpListFunctionTemplate:     listFunctionTemplate,
		fgs.OpShowFunctionTemplate:     showFunctionTemplate,

		// async.go: the async invocation operations (sync: invoke.go).
		fgs.OpAsyncInvokeFunction:             asyncInvokeFunction,
		fgs.OpShowFunctionAsyncInvokeConfig:   showFunctionAsyncInvokeConfig,
		fgs.OpUpdateFunctionAsyncInvokeConfig: updateFunctionAsyncInvokeConfig,
		fgs.OpDeleteFunctionAsyncInvokeConfig: deleteFunctionAsyncInvokeConfig,

		// asynccalls.go: the operations on queued and past async invocations and the project's async status log.
		fgs.OpListAsyncInvocations:          listAsyncInvocations,
		fgs.OpListActiveAsyncInvocations:    listActiveAsyncInvocations,
		fgs.OpCancelAsyncInvocation:         cancelAsyncInvocation,
		fgs.OpListFunctionAsyncInvokeConfig: listFunctionAsyncInvokeConfig,
		fgs.OpEnableAsyncStatusLog:          enableAsyncStatusLog,
		fgs.OpShowProjectAsyncStatusLogInfo: showProjectAsyncStatusLogInfo,

		// auth.go: the IAM operations the emulator serves.
		fgs.OpKeystoneCreateUserTokenByPassword: issueToken,

		// code.go: the code package operations.
		fgs.OpShowFunctionCode:   showFunctionCode,
		fgs.OpUpdateFunctionCode: updateFunctionCode,

		// dependencies.go: the dependency package operations.
		fgs.OpCreateDependency:        createDependency,
		fgs.OpCreateDependencyVersion: createDependency,
		fgs.OpListDependencies:        listDependencies,
		fgs.OpListDependencyVersions:  listDependencyVersions,
		fgs.OpShowDependencyVersion:   showDependencyVersion,
		fgs.OpDeleteDependencyVersion: deleteDependencyVersion,

		// events.go: the test event operations.
		fgs.OpCreateEvent: createEvent,
		fgs.OpListEvents:  listEvents,
		fgs.OpShowEvent:   showEvent,
		fgs.OpUpdateEvent: updateEvent,
		fgs.OpDeleteEvent: deleteEvent,

		// flowruns.go: the workflow execution operations.
		fgs.OpStartWorkflowExecution:       startWorkflowExecution,
		fgs.OpStartSyncWorkflowExecution:   startSyncWorkflowExecution,
		fgs.OpListWorkflowExecutions:       listWorkflowExecutions,
		fgs.OpShowWorkflowExecution:        showWorkflowExecution,
		fgs.OpShowWorkflowExecutionForPage: showWorkflowExecutionForPage,
		fgs.OpRetryWorkFlow:                retryWorkFlow,
		fgs.OpStopWorkFlow:                 stopWorkFlow,
		fgs.OpCreateCallbackWorkflow:       createCallbackWorkflow,

		// functions.go: the function lifecycle operations.
		fgs.OpCreateFunction:       createFunction,
		fgs.OpListFunctions:        listFunctions,
		fgs.OpShowFunctionConfig:   showFunctionConfig,
		fgs.OpUpdateFunctionConfig: updateFunctionConfig,
		fgs.OpDeleteFunction:       deleteFunction,

		// functionsettings.go: the single-setting function operations: the instance limit, pinning and snapshot start.
		fgs.OpUpdateFunctionMaxInstanceConfig: updateFunctionMaxInstanceConfig,
		fgs.OpUpdateFunctionCollectState:      updateFunctionCollectState,
		fgs.OpShowFuncSnapshotState:           showFuncSnapshotState,
		fgs.OpUpdateFuncSnapshot:              updateFuncSnapshot,

		// importexport.go: the package import and export operations.
		fgs.OpImportFunction: importFunction,
		fgs.OpExportFunction: exportFunction,

		// invoke.go: sync invocation (async: async.go).
		fgs.OpInvokeFunction: invokeFunction,

		// logs.go: the LTS and tracing operations.
		fgs.OpEnableLtsLogs:     enableLtsLogs,
		fgs.OpShowLtsLogDetails: showLtsLogDetails,
		fgs.OpShowTracing:       showTracing,
		fgs.OpUpdateTracing:     updateTracing,

		// metrics.go: the metric and quota operations.
		fgs.OpListFunctionAsMetric: listFunctionAsMetric,
		fgs.OpListQuotas:           listQuotas,

		// network.go: the VPC endpoint and service-bridge operations.
		fgs.OpCreateVpcEndpoint:   createVpcEndpoint,
		fgs.OpDeleteVpcEndpoint:   deleteVpcEndpoint,
		fgs.OpListBridgeFunctions: listBridgeFunctions,
		fgs.OpListBridgeVersions:  listBridgeVersions,

		// reserved.go: the reserved instance operations (their metrics are in statistics.go).
		fgs.OpListFunctionReservedInstances:        listFunctionReservedInstances,
		fgs.OpListReservedInstanceConfigs:          listReservedInstanceConfigs,
		fgs.OpUpdateFunctionReservedInstancesCount: updateFunctionReservedInstancesCount,

		// statistics.go: the function, tenant and workflow metric operations that answer time series.
		fgs.OpListStatistics:                  listStatistics,
		fgs.OpListFunctionStatistics:          listFunctionStatistics,
		fgs.OpShowFunctionMetrics:             showFunctionMetrics,
		fgs.OpShowFuncReservedInstanceMetrics: showFuncReservedInstanceMetrics,
		fgs.OpShowTenantMetric:                showTenantMetric,
		fgs.OpShowWorkFlowMetric:              showWorkFlowMetric,

		// tags.go: the tag operations.
		fgs.OpCreateTags:          createTags,
		fgs.OpDeleteTags:          deleteTags,
		fgs.OpListFunctionTags:    listFunctionTags,
		fgs.OpShowProjectTagsList: showProjectTagsList,
		fgs.OpShowResInstanceInfo: showResInstanceInfo,

		// triggers.go: the trigger operations.
		fgs.OpCreateFunctionTrigger: createFunctionTrigger,
		fgs.OpListFunctionTriggers:  listFunctionTriggers,
		fgs.OpDeleteFunctionTrigger: deleteFunctionTrigger,

		// triggerupdate.go: the operations on existing triggers: show, update (enable, disable, polling settings) and delete-all.
		fgs.OpShowFunctionTrigger:         showFunctionTrigger,
		fgs.OpUpdateTrigger:               updateTrigger,
		fgs.OpBatchDeleteFunctionTriggers: batchDeleteFunctionTriggers,

		// versions.go: the version operations.
		fgs.OpCreateFunctionVersion: createFunctionVersion,
		fgs.OpListFunctionVersions:  listFunctionVersions,

		// workflows.go: the function flow operations.
		fgs.OpListWorkflows:        listWorkflows,
		fgs.OpCreateWorkflow:       createWorkflow,
		fgs.OpBatchDeleteWorkflows: batchDeleteWorkflows,
		fgs.OpShowWorkFlow:         showWorkFlow,
		fgs.OpUpdateWorkFlow:       updateWorkFlow,
	}
}

// sortBy sorts items by key, keeping equal keys in their order.
func sortBy[T any, K cmp.Ordered](items []T, key func(T) K) {
	sort.SliceStable(items, func(i, j int) bool { return key(items[i]) < key(items[j]) })
}

// sortedValues lists a map's values sorted by key.
func sortedValues[M ~map[K]V, K comparable, V any, O cmp.Ordered](m M, key func(V) O) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	sortBy(out, key)
	return out
}
