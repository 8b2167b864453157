package fgs

// Wire structs both the client and the emulator encode or decode. Only
// shapes whose every field both sides agree on live here; a side that needs
// a different view (the emulator's stored function, say) keeps its own.

// StrategyConfig limits a function's instances and per-instance concurrency.
type StrategyConfig struct {
	Concurrency   int `json:"concurrency"`
	ConcurrentNum int `json:"concurrent_num,omitempty"`
}

// FuncCode is inline code: a base64 zip in File, or a Link to it.
type FuncCode struct {
	File string `json:"file,omitempty"`
	Link string `json:"link,omitempty"`
}

// InvokeEnvelope is the v1 body of a synchronous invocation. Pointers tell
// an absent field from an empty one: a body with neither request_id nor
// result is not the envelope but the function's bare result (v0).
type InvokeEnvelope struct {
	RequestID *string `json:"request_id"`
	Result    *string `json:"result"`
	Log       string  `json:"log"`
	Status    int     `json:"status"`
}

// ExtensionRegistration is the 200 body of POST /extension/register.
type ExtensionRegistration struct {
	FunctionName    string             `json:"functionName"`
	FunctionVersion string             `json:"functionVersion"`
	ErrorInfo       ExtensionErrorInfo `json:"errorInfo"`
}

// ExtensionErrorInfo is a registration's errorInfo, empty on success.
type ExtensionErrorInfo struct {
	ErrorType    string `json:"errorType"`
	ErrorMessage string `json:"errorMessage"`
}

// ExtensionInvokeEvent is the body the platform POSTs to an extension's
// /extension/invoke for every invocation of its function.
type ExtensionInvokeEvent struct {
	TraceID            string `json:"traceId"`
	InvokedFunctionURN string `json:"invokedFunctionUrn"`
}

// ErrorBody is the body of a refused request, FunctionGraph API and
// Extension API alike.
type ErrorBody struct {
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
	RequestID string `json:"request_id,omitempty"`
}

// PasswordTokenRequest is the body of IAM's POST /v3/auth/tokens with the
// password method and a project scope, as the client sends it and the
// emulator reads it.
type PasswordTokenRequest struct {
	Auth struct {
		Identity struct {
			Methods  []string `json:"methods"`
			Password struct {
				User struct {
					Name     string   `json:"name"`
					Password string   `json:"password"`
					Domain   IAMScope `json:"domain"`
				} `json:"user"`
			} `json:"password"`
		} `json:"identity"`
		Scope struct {
			Project IAMScope `json:"project"`
		} `json:"scope"`
	} `json:"auth"`
}

// IAMScope names a domain or a project, by name or by ID.
type IAMScope struct {
	Name string `json:"name,omitempty"`
	ID   string `json:"id,omitempty"`
}

// CreateDependencyRequest is the body of both dependency create operations
// (POST .../dependencies and .../dependencies/version): DependFile (a base64
// zip) for depend_type "zip", DependLink for "obs".
type CreateDependencyRequest struct {
	DependFile  string `json:"depend_file,omitempty"`
	DependLink  string `json:"depend_link,omitempty"`
	DependType  string `json:"depend_type"`
	Runtime     string `json:"runtime"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// DependencyVersion is one version of a dependency package, as the
// dependency operations answer it and a function's dependencies list it.
// The emulator never sets IsShared.
type DependencyVersion struct {
	ID           string `json:"id"`
	Owner        string `json:"owner"`
	Link         string `json:"link"`
	Runtime      string `json:"runtime"`
	Etag         string `json:"etag"`
	Size         int64  `json:"size"`
	Name         string `json:"name"`
	Description  string `json:"description,omitempty"`
	FileName     string `json:"file_name,omitempty"`
	Version      int64  `json:"version"`
	DepID        string `json:"dep_id"`
	LastModified int64  `json:"last_modified"`
	IsShared     bool   `json:"is_shared,omitempty"`
}

// Workflow is a function flow as the workflow operations answer it,
// without its definition.
type Workflow struct {
	ID                   string `json:"id"`
	WorkflowURN          string `json:"workflow_urn"`
	Name                 string `json:"name"`
	Description          string `json:"description"`
	CreatedTime          string `json:"created_time"`
	UpdatedTime          string `json:"updated_time"`
	CreatedBy            string `json:"created_by"`
	Mode                 string `json:"mode"`
	EnableStreamResponse bool   `json:"enable_stream_response"`
}

// PublishVersionRequest is the body of createFunctionVersion; every field
// is optional.
type PublishVersionRequest struct {
	Digest      string `json:"digest,omitempty"`
	Version     string `json:"version,omitempty"`
	Description string `json:"description,omitempty"`
}

// CreateTriggerRequest is the body of createFunctionTrigger. EventData
// depends on the trigger type (TIMER: name, schedule_type, schedule; ...).
type CreateTriggerRequest struct {
	TriggerTypeCode string         `json:"trigger_type_code"`
	TriggerStatus   string         `json:"trigger_status,omitempty"` // ACTIVE or DISABLED
	EventTypeCode   string         `json:"event_type_code,omitempty"`
	EventData       map[string]any `json:"event_data"`
}

// BatchDeleteWorkflowsRequest is the body of batchDeleteWorkflows.
type BatchDeleteWorkflowsRequest struct {
	WorkflowURNs []string `json:"workflow_urns"`
}

// WorkflowDeleteFailure is a workflow batchDeleteWorkflows did not delete,
// and why.
type WorkflowDeleteFailure struct {
	WorkflowURN string `json:"workflow_urn"`
	ErrorDetail string `json:"error_detail"`
}
