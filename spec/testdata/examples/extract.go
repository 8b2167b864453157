//go:build ignore

// extract copies the request and response examples of the FunctionGraph API
// reference pages into spec/testdata/examples/<operationId>/, one JSON file
// per example, for the test that validates them against the spec. Run from
// the repository root:
//
//	go run ./spec/testdata/examples/extract.go -ref ../shared/reference/otc-functiongraph-api-ref/api
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/fgharness/fgharness/internal/sdkref"
)

var (
	uriLine    = regexp.MustCompile(`^(GET|POST|PUT|DELETE|PATCH) (/v2/\S+)`)
	statusLine = regexp.MustCompile(`^\*\*Status code: (\d{3})\*\*`)
	paramName  = regexp.MustCompile(`\{[^}]*\}`)
)

// legacy operationIds, as in spec/sdk_test.go.
var legacy = map[string]string{"ListWorkflow": "listWorkflows", "ListDependencyVersion": "listDependencyVersions"}

func main() {
	ref := flag.String("ref", "", "folder of the reference pages (…/otc-functiongraph-api-ref/api)")
	out := flag.String("out", "spec/testdata/examples", "output folder")
	flag.Parse()
	if *ref == "" {
		log.Fatal("-ref is required")
	}
	routes := map[string]string{}
	for _, op := range sdkref.Operations() {
		id := op.OperationID()
		if l, ok := legacy[op.Name]; ok {
			id = l
		}
		routes[op.Method+" "+paramName.ReplaceAllString(op.Path, "{}")] = id
	}
	pages, err := filepath.Glob(filepath.Join(*ref, "*", "*.rst"))
	if err != nil {
		log.Fatal(err)
	}
	sort.Strings(pages)
	var skipped []string
	written := 0
	for _, page := range pages {
		lines, err := readLines(page)
		if err != nil {
			log.Fatal(err)
		}
		method, path := pageRoute(lines)
		if method == "" {
			continue
		}
		id, ok := routes[method+" "+paramName.ReplaceAllString(path, "{}")]
		if !ok {
			skipped = append(skipped, fmt.Sprintf("%s: %s %s is no SDK operation", filepath.Base(page), method, path))
			continue
		}
		stem := strings.TrimSuffix(filepath.Base(page), ".rst")
		names := map[string]int{}
		for _, ex := range pageExamples(lines) {
			if !json.Valid([]byte(ex.body)) {
				skipped = append(skipped, fmt.Sprintf("%s: %s example is not JSON", filepath.Base(page), ex.kind))
				continue
			}
			name := stem + "." + ex.kind
			names[name]++
			if names[name] > 1 {
				name += fmt.Sprintf("-%d", names[name])
			}
			dir := filepath.Join(*out, id)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				log.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name+".json"), []byte(ex.body+"\n"), 0o644); err != nil {
				log.Fatal(err)
			}
			written++
		}
	}
	fmt.Printf("%d examples written\n", written)
	for _, s := range skipped {
		fmt.Println("skipped:", s)
	}
}

func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines, sc.Err()
}

// pageRoute is the first "METHOD /v2/..." line of the URI section.
func pageRoute(lines []string) (string, string) {
	inURI := false
	for _, l := range lines {
		if l == "URI" {
			inURI = true
			continue
		}
		if m := uriLine.FindStringSubmatch(l); inURI && m != nil {
			path, _, _ := strings.Cut(m[2], "?")
			return m[1], path
		}
	}
	return "", ""
}

type example struct {
	kind string // request, response-200, ...
	body string
}

// pageExamples returns the JSON parts of the code blocks under "Example
// Requests" and "Example Responses".
func pageExamples(lines []string) []example {
	var out []example
	section, status := "", ""
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		switch {
		case l == "Example Requests":
			section = "request"
			continue
		case l == "Example Responses":
			section = "response"
			continue
		case l == "Status Codes":
			section = ""
			continue
		}
		if m := statusLine.FindStringSubmatch(l); m != nil {
			status = m[1]
		}
		trimmed := strings.TrimLeft(l, " ")
		if section == "" || !strings.HasPrefix(trimmed, ".. code-block::") {
			continue
		}
		// The block is every following line indented deeper than the
		// directive (directives sit inside list items too).
		deeper := strings.Repeat(" ", len(l)-len(trimmed)+1)
		var block []string
		for i+1 < len(lines) && (strings.TrimSpace(lines[i+1]) == "" || strings.HasPrefix(lines[i+1], deeper)) {
			i++
			block = append(block, lines[i])
		}
		body := jsonPart(dedent(block))
		if body == "" {
			continue
		}
		kind := "request"
		if section == "response" {
			kind = "response-" + status
		}
		out = append(out, example{kind: kind, body: body})
	}
	return out
}

// jsonPart drops a leading "METHOD URL" line and returns what follows when
// it starts like a JSON document.
func jsonPart(block []string) string {
	text := strings.TrimSpace(strings.Join(block, "\n"))
	if first, rest, ok := strings.Cut(text, "\n"); ok && uriLike(first) {
		text = strings.TrimSpace(rest)
	} else if uriLike(text) {
		return ""
	}
	if !strings.HasPrefix(text, "{") && !strings.HasPrefix(text, "[") {
		return ""
	}
	return text
}

func dedent(block []string) []string {
	indent := -1
	for _, l := range block {
		if t := strings.TrimLeft(l, " "); t != "" && (indent < 0 || len(l)-len(t) < indent) {
			indent = len(l) - len(t)
		}
	}
	out := make([]string, len(block))
	for i, l := range block {
		if len(l) >= indent && indent > 0 {
			l = l[indent:]
		}
		out[i] = l
	}
	return out
}

func uriLike(line string) bool {
	for _, m := range []string{"GET ", "POST ", "PUT ", "DELETE ", "PATCH "} {
		if strings.HasPrefix(line, m) {
			return true
		}
	}
	return false
}
