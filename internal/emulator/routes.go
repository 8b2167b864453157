package emulator

import (
	"cmp"
	"sort"
)

// handlerAreas lists one function per API area, each in its area's file,
// returning that area's handlers by spec operationId. Keep it sorted; a new
// area is a new file and one line here (see HANDLERS.md).
var handlerAreas = []func() map[string]handler{
	aliasHandlers,
	appHandlers,
	asyncCallHandlers,
	asyncHandlers,
	codeHandlers,
	dependencyHandlers,
	eventHandlers,
	flowRunHandlers,
	functionHandlers,
	functionSettingHandlers,
	iamHandlers,
	importExportHandlers,
	invokeHandlers,
	logHandlers,
	metricHandlers,
	networkHandlers,
	reservedHandlers,
	statisticsHandlers,
	tagHandlers,
	triggerHandlers,
	triggerUpdateHandlers,
	versionHandlers,
	workflowHandlers,
}

// operationHandlers maps every spec operationId the emulator serves to its
// handler; a test checks that no functiongraph or iam operation is missing.
// Two areas claiming one operation is a programming error and panics.
func operationHandlers() map[string]handler {
	all := map[string]handler{}
	for _, area := range handlerAreas {
		for id, h := range area() {
			if _, dup := all[id]; dup {
				panic("emulator: two handlers for operation " + id)
			}
			all[id] = h
		}
	}
	return all
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
