package emulator

import (
	"encoding/json"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fgharness/fgharness/internal/fgs"
)

// store holds every resource of the emulated project. One RWMutex guards
// the maps; function configurations are immutable snapshots replaced on
// update, so an invocation holds one without the lock.
type store struct {
	mu           sync.RWMutex
	seq          int64
	functions    map[fnKey]*function
	workflows    map[string]*workflow // by workflow URN
	flowRuns     map[string]*flowRun  // workflow executions by execution ID
	dependencies map[string]*dependency
	project      projectSettings // LTS, applications, VPC endpoints

	asyncStatusLog *asyncStatusLog // project-wide, nil until enableAsyncStatusLog
}

type fnKey struct{ pkg, name string }

func newStore() *store {
	return &store{
		functions:    map[fnKey]*function{},
		workflows:    map[string]*workflow{},
		flowRuns:     map[string]*flowRun{},
		dependencies: map[string]*dependency{},
	}
}

func (s *store) nextSeq() int64 { s.seq++; return s.seq }

// read runs fn holding the store's read lock; fn must not modify the store.
func (s *store) read(fn func()) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	fn()
}

// write runs fn holding the store's exclusive lock.
func (s *store) write(fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn()
}

// removeKey deletes key from m and says whether it was there. Caller holds
// the store's write lock.
func removeKey[K comparable, V any](m map[K]V, key K) bool {
	_, found := m[key]
	delete(m, key)
	return found
}

// function is one function: its editable head ("latest"), its published
// versions, aliases, triggers and async settings, plus run-time state.
type function struct {
	key      fnKey
	seq      int64
	latest   *functionConfig
	versions map[string]*functionConfig
	order    []string // version names in publish order
	aliases  map[string]*alias
	async    *asyncConfig
	triggers map[string]*trigger
	settings functionSettings // tags, reserved instances, tracing
	rt       *runtimeState

	events    map[string]*testEvent // test events by ID
	snapshots map[string]bool       // snapshot start switched on, by version
	pinned    bool                  // updateFunctionCollectState
}

// functionConfig is an immutable snapshot: the body of show config, plus
// what the emulator derived from it. Never modify one that is stored.
type functionConfig struct {
	FuncID              string             `json:"func_id"`
	FuncURN             string             `json:"func_urn"`
	FuncName            string             `json:"func_name"`
	DomainID            string             `json:"domain_id"`
	Namespace           string             `json:"namespace"`
	ProjectName         string             `json:"project_name"`
	Package             string             `json:"package"`
	Runtime             string             `json:"runtime"`
	Timeout             int                `json:"timeout"`
	Handler             string             `json:"handler"`
	MemorySize          int                `json:"memory_size"`
	CPU                 int                `json:"cpu"`
	CodeType            string             `json:"code_type"`
	CodeURL             string             `json:"code_url,omitempty"`
	CodeFilename        string             `json:"code_filename,omitempty"`
	CodeSize            int64              `json:"code_size"`
	UserData            string             `json:"user_data,omitempty"`
	EncryptedUserData   string             `json:"encrypted_user_data,omitempty"`
	Digest              string             `json:"digest"`
	Version             string             `json:"version"`
	VersionDescription  string             `json:"version_description,omitempty"`
	ImageName           string             `json:"image_name"`
	Xrole               string             `json:"xrole,omitempty"`
	AppXrole            string             `json:"app_xrole,omitempty"`
	Description         string             `json:"description,omitempty"`
	LastModified        string             `json:"last_modified"`
	StrategyConfig      fgs.StrategyConfig `json:"strategy_config"`
	DependVersionList   []string           `json:"depend_version_list,omitempty"`
	Dependencies        []dependencyRef    `json:"dependencies,omitempty"`
	InitializerHandler  string             `json:"initializer_handler,omitempty"`
	InitializerTimeout  int                `json:"initializer_timeout,omitempty"`
	EnterpriseProjectID string             `json:"enterprise_project_id"`
	Type                string             `json:"type"`

	behaviour behaviour // parsed from UserData
	code      []byte    // the code package (decoded func_code.file, or the link)
}

// executionLimit is the number of executions that may run at once: -1
// unlimited, 0 disabled, otherwise instances × per-instance concurrency.
func executionLimit(s fgs.StrategyConfig) int64 {
	if s.Concurrency < 0 {
		return -1
	}
	return int64(s.Concurrency) * int64(max(s.ConcurrentNum, 1))
}

type alias struct {
	Name                      string                     `json:"name"`
	Version                   string                     `json:"version"`
	Description               string                     `json:"description,omitempty"`
	LastModified              string                     `json:"last_modified"`
	AliasURN                  string                     `json:"alias_urn"`
	AdditionalVersionWeights  map[string]int             `json:"additional_version_weights,omitempty"`
	AdditionalVersionStrategy map[string]json.RawMessage `json:"additional_version_strategy,omitempty"`
}

type asyncConfig struct {
	FuncURN                   string          `json:"func_urn"`
	MaxAsyncEventAgeInSeconds int             `json:"max_async_event_age_in_seconds"`
	MaxAsyncRetryAttempts     int             `json:"max_async_retry_attempts"`
	DestinationConfig         json.RawMessage `json:"destination_config,omitempty"`
	EnableAsyncStatusLog      bool            `json:"enable_async_status_log"`
	CreatedTime               string          `json:"created_time"`
	LastModified              string          `json:"last_modified"`
}

// runtimeState is the per-function run-time state the invoke path touches
// without the store lock.
type runtimeState struct {
	inFlight atomic.Int64
	counts   invocationCounts
	series   invocationSeries

	poolMu sync.Mutex
	idle   []time.Time // warm instances by last use, most recent last

	calls asyncCalls // async invocation records
}

type invocationCounts struct {
	count, fail, reject atomic.Int64
	durationNs          atomic.Int64
	maxNs, minNs        atomic.Int64
}

func (c *invocationCounts) record(d time.Duration, failed bool) {
	c.count.Add(1)
	if failed {
		c.fail.Add(1)
	}
	ns := int64(d)
	c.durationNs.Add(ns)
	for cur := c.maxNs.Load(); ns > cur && !c.maxNs.CompareAndSwap(cur, ns); cur = c.maxNs.Load() {
	}
	for cur := c.minNs.Load(); (cur == 0 || ns < cur) && !c.minNs.CompareAndSwap(cur, ns); cur = c.minNs.Load() {
	}
}

// snapshot renders the whole store as canonical JSON, for tests that check
// a request changed nothing.
func (s *store) snapshot() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	type fnView struct {
		Latest   *functionConfig
		Code     []byte
		Versions map[string]*functionConfig
		Aliases  map[string]*alias
		Async    *asyncConfig
		Triggers map[string]*trigger
		Events   map[string]*testEvent
		Pinned   bool
	}
	fns := map[string]fnView{}
	for k, f := range s.functions {
		fns[k.pkg+"/"+k.name] = fnView{f.latest, f.latest.code, f.versions, f.aliases, f.async, f.triggers, f.events, f.pinned}
	}
	deps := map[string]*dependency{}
	for id, d := range s.dependencies {
		deps[id] = d
	}
	b, _ := json.Marshal(map[string]any{"functions": fns, "workflows": s.workflows, "dependencies": deps})
	return string(b)
}

// sortedFunctions lists functions in creation order. Caller holds the store lock.
func (s *store) sortedFunctions() []*function {
	out := make([]*function, 0, len(s.functions))
	for _, f := range s.functions {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

func nowStamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
