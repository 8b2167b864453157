package emulator

// The emulator's read-only template catalogues: a few application
// templates and function templates in the shapes the template operations
// answer. Applications are created from the application templates.

type appTemplate struct {
	ID          string                `json:"id"`
	Name        string                `json:"name"`
	Description string                `json:"description"`
	Runtime     string                `json:"runtime"`
	Category    string                `json:"category"`
	Params      string                `json:"params"`
	Image       string                `json:"image,omitempty"`
	DeployCount int64                 `json:"deploy_count"`
	Version     int64                 `json:"version"`
	Guide       string                `json:"template_guide,omitempty"`
	CreateTime  int64                 `json:"create_time"`
	UpdateTime  int64                 `json:"update_time"`
	Resources   []appTemplateResource `json:"resources"`
}

type appTemplateResource struct {
	ResourceName string `json:"resource_name"`
	Icon         string `json:"icon,omitempty"`
	Href         string `json:"href,omitempty"`
}

// catalogueTime is when the catalogue entries were written (Unix ms).
const catalogueTime = 1764547200000 // 2025-12-01

var appTemplates = []appTemplate{
	{
		ID: "fgh-http-hello-python", Name: "http-hello-python", Runtime: "Python3.9", Category: "web",
		Description: "A Python function behind an HTTP trigger that greets the caller.",
		Params:      `{"func_name":{"type":"string","default":"hello"},"memory_size":{"type":"integer","default":128}}`,
		Version:     1, CreateTime: catalogueTime, UpdateTime: catalogueTime,
		Guide:     "Deploy, then call the trigger's URL.",
		Resources: []appTemplateResource{{ResourceName: "FunctionGraph"}, {ResourceName: "APIG"}},
	},
	{
		ID: "fgh-timer-cleanup-nodejs", Name: "timer-cleanup-nodejs", Runtime: "Node.js18.15", Category: "automation",
		Description: "A Node.js function a timer trigger runs every hour.",
		Params:      `{"func_name":{"type":"string","default":"cleanup"},"schedule":{"type":"string","default":"1h"}}`,
		Version:     1, CreateTime: catalogueTime, UpdateTime: catalogueTime,
		Resources: []appTemplateResource{{ResourceName: "FunctionGraph"}},
	},
	{
		ID: "fgh-obs-thumbnail-python", Name: "obs-thumbnail-python", Runtime: "Python3.9", Category: "media",
		Description: "A Python function that makes thumbnails of images uploaded to an OBS bucket.",
		Params:      `{"func_name":{"type":"string","default":"thumbnail"},"bucket":{"type":"string"}}`,
		Version:     2, CreateTime: catalogueTime, UpdateTime: catalogueTime,
		Resources: []appTemplateResource{{ResourceName: "FunctionGraph"}, {ResourceName: "OBS"}},
	},
}

type functionTemplate struct {
	ID                  string            `json:"id"`
	Type                int               `json:"type"`
	Title               string            `json:"title"`
	TemplateName        string            `json:"template_name"`
	Description         string            `json:"description"`
	Runtime             string            `json:"runtime"`
	Handler             string            `json:"handler"`
	CodeType            string            `json:"code_type"`
	Code                string            `json:"code"`
	Timeout             int               `json:"timeout"`
	MemorySize          int               `json:"memory_size"`
	TriggerMetadataList []triggerMetadata `json:"trigger_metadata_list"`
	TempDetail          templateDetail    `json:"temp_detail"`
	UserData            string            `json:"user_data"`
	EncryptedUserData   string            `json:"encrypted_user_data"`
	Dependencies        []string          `json:"dependencies"`
	Scene               string            `json:"scene"`
	Service             string            `json:"service"`
}

type triggerMetadata struct {
	TriggerName string `json:"trigger_name"`
	TriggerType string `json:"trigger_type"`
	EventType   string `json:"event_type"`
	EventData   string `json:"event_data"`
}

type templateDetail struct {
	Input   string `json:"input"`
	Output  string `json:"output"`
	Warning string `json:"warning"`
}

// functionTemplates' code is base64 of a small handler file.
var functionTemplates = []functionTemplate{
	{
		ID: "fgh-echo-python", Type: 1, Title: "echo", TemplateName: "echo-python",
		Description: "Returns the event it is given.", Runtime: "Python3.9", Handler: "index.handler",
		CodeType: "inline", Code: "ZGVmIGhhbmRsZXIoZXZlbnQsIGNvbnRleHQpOgogICAgcmV0dXJuIGV2ZW50Cg==",
		Timeout: 30, MemorySize: 128, TriggerMetadataList: []triggerMetadata{},
		TempDetail:   templateDetail{Input: "Any JSON event.", Output: "The same event.", Warning: "None"},
		Dependencies: []string{}, Scene: "basic_function_usage", Service: "FunctionGraph",
	},
	{
		ID: "fgh-timer-nodejs", Type: 1, Title: "timer", TemplateName: "timer-nodejs",
		Description: "Logs the timer event it is run with.", Runtime: "Node.js18.15", Handler: "index.handler",
		CodeType: "inline", Code: "ZXhwb3J0cy5oYW5kbGVyID0gYXN5bmMgKGV2ZW50KSA9PiBldmVudDsK",
		Timeout: 30, MemorySize: 128,
		TriggerMetadataList: []triggerMetadata{{TriggerName: "hourly", TriggerType: "TIMER", EventType: "MessageCreated", EventData: `{"schedule_type":"Rate","schedule":"1h"}`}},
		TempDetail:          templateDetail{Input: "The timer event.", Output: "The same event.", Warning: "None"},
		Dependencies:        []string{}, Scene: "scheduled_task", Service: "FunctionGraph",
	},
	{
		ID: "fgh-obs-python", Type: 1, Title: "obs-event", TemplateName: "obs-event-python",
		Description: "Reads the object named in an OBS event.", Runtime: "Python3.9", Handler: "index.handler",
		CodeType: "inline", Code: "ZGVmIGhhbmRsZXIoZXZlbnQsIGNvbnRleHQpOgogICAgcmV0dXJuIGV2ZW50WyJSZWNvcmRzIl0K",
		Timeout: 60, MemorySize: 256, TriggerMetadataList: []triggerMetadata{},
		TempDetail:   templateDetail{Input: "An OBS event.", Output: "The event's records.", Warning: "Needs an agency with OBS read permission."},
		Dependencies: []string{}, Scene: "data_processing", Service: "OBS",
	},
}
