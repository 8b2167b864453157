// Package sdkref describes the official Huawei Cloud Go SDK's FunctionGraph operations (method, path, where each request field travels, the request and response types, the enum values) and builds a client of it, so tests can hold the spec, the emulator and the proxy to what real clients send and decode.
package sdkref

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"unicode"
	"unsafe"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/def"
	functiongraph "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/functiongraph/v2"
)

// Location says where a field travels on the wire.
type Location string

// The locations the SDK uses.
const (
	InPath   Location = "path"
	InQuery  Location = "query"
	InHeader Location = "header"
	InBody   Location = "body"
	InForm   Location = "form"
)

// Field is one request or response field of an SDK operation.
type Field struct {
	GoName   string       // field name in the SDK's model struct
	Wire     string       // parameter, header or JSON member name
	In       Location     // where it travels
	Type     reflect.Type // the field's Go type, pointers included
	Optional bool         // the SDK lets callers leave it out (omitempty)
}

// Operation is one FunctionGraphClient operation as the SDK defines it.
type Operation struct {
	Name   string // SDK method name, e.g. ShowWorkFlow
	Method string // upper case
	Path   string // template, e.g. /v2/{project_id}/fgs/workflows/{workflow_id}

	Request  reflect.Type // request struct (not a pointer)
	Response reflect.Type // response struct (not a pointer)

	// Params are the path, query and header parameters the SDK fills from
	// the request struct; project_id is filled from the credentials and is
	// not among them.
	Params []Field
	// Body is the request body field, nil when the SDK sends none; Form
	// lists multipart form fields.
	Body *Field
	Form []Field

	// ResponseHeaders are response members the SDK reads from headers.
	ResponseHeaders []Field
	// ResponseBody is the type the SDK decodes the JSON body into: the
	// response struct itself (minus header members) or, for bodies that are
	// not objects, the type of the response's Body member.
	ResponseBody reflect.Type
	// ResponseBodyIsStruct is true when ResponseBody is the response struct,
	// whose header members and HttpStatusCode are not body members.
	ResponseBodyIsStruct bool
}

// OperationID is the spec's operationId for the operation: the SDK name in
// lower camel case.
func (o Operation) OperationID() string {
	r := []rune(o.Name)
	r[0] = unicode.ToLower(r[0])
	return string(r)
}

func (o Operation) String() string { return fmt.Sprintf("%s (%s %s)", o.Name, o.Method, o.Path) }

// Operations lists every operation of the SDK's FunctionGraphClient, sorted
// by name.
func Operations() []Operation {
	client := &functiongraph.FunctionGraphClient{}
	cv := reflect.ValueOf(client)
	ct := cv.Type()
	var out []Operation
	for i := 0; i < ct.NumMethod(); i++ {
		m := ct.Method(i)
		if !strings.HasSuffix(m.Name, "Invoker") {
			continue
		}
		name := strings.TrimSuffix(m.Name, "Invoker")
		if _, ok := ct.MethodByName(name); !ok {
			continue
		}
		reqType := m.Type.In(1).Elem()
		inv := cv.Method(i).Call([]reflect.Value{reflect.New(reqType)})[0]
		meta := invokerMeta(inv)
		plain, _ := ct.MethodByName(name)
		out = append(out, describe(name, meta, reqType, plain.Type.Out(0).Elem()))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// invokerMeta reads the request definition an invoker carries. The SDK
// keeps it unexported; it is the only place the field locations are
// written down, and the SDK version is pinned in go.mod.
func invokerMeta(inv reflect.Value) *def.HttpRequestDef {
	base := inv.Elem().FieldByName("BaseInvoker").Elem()
	f := base.FieldByName("meta")
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Interface().(*def.HttpRequestDef)
}

func describe(name string, meta *def.HttpRequestDef, req, resp reflect.Type) Operation {
	op := Operation{Name: name, Method: meta.Method, Path: meta.Path, Request: req, Response: resp}
	for _, fd := range meta.RequestFields {
		sf, ok := req.FieldByName(fd.Name)
		if !ok {
			continue
		}
		f := Field{GoName: fd.Name, Wire: fd.JsonTag, Type: sf.Type, Optional: isOptional(sf)}
		switch fd.LocationType {
		case def.Path:
			f.In = InPath
		case def.Query:
			f.In = InQuery
		case def.Header:
			f.In = InHeader
		case def.Body:
			f.In = InBody
			op.Body = &f
			continue
		case def.Form:
			f.In = InForm
			op.Form = append(op.Form, f)
			continue
		default:
			continue
		}
		op.Params = append(op.Params, f)
	}
	op.ResponseBody, op.ResponseBodyIsStruct = resp, true
	for _, fd := range meta.ResponseFields {
		sf, ok := resp.FieldByName(fd.Name)
		if !ok {
			continue
		}
		switch fd.LocationType {
		case def.Header:
			op.ResponseHeaders = append(op.ResponseHeaders, Field{GoName: fd.Name, Wire: fd.JsonTag, In: InHeader, Type: sf.Type, Optional: true})
		case def.Body:
			op.ResponseBody, op.ResponseBodyIsStruct = sf.Type, false
		}
	}
	return op
}

// JSONFields lists the JSON members of a struct type (pointers are
// followed), leaving out members tagged "-" and those named in skip (Go
// names).
func JSONFields(t reflect.Type, skip ...string) []Field {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var out []Field
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() || contains(skip, sf.Name) {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" || name == "" {
			continue
		}
		out = append(out, Field{GoName: sf.Name, Wire: name, In: InBody, Type: sf.Type, Optional: isOptional(sf)})
	}
	return out
}

func isOptional(sf reflect.StructField) bool {
	return strings.Contains(sf.Tag.Get("json"), ",omitempty")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
