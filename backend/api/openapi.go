package api

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"sort"

	"github.com/gin-gonic/gin"
)

// The OpenAPI document is kept in one file per resource under openapi/
// (00_base.json holds info and shared components) and merged at start-up;
// a test keeps it and the route table in step.
//
//go:embed openapi/*.json
var openAPIFiles embed.FS

var openAPIDocument = mustMergeOpenAPI(openAPIFiles)

func (a *API) openAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/json", openAPIDocument)
}

// mustMergeOpenAPI merges the paths and component maps of every fragment
// into the base document; a path or component defined twice is a bug.
func mustMergeOpenAPI(fsys fs.FS) []byte {
	names, err := fs.Glob(fsys, "openapi/*.json")
	if err != nil || len(names) == 0 {
		panic(fmt.Sprintf("openapi: no fragments: %v", err))
	}
	sort.Strings(names)
	doc := map[string]any{}
	paths := map[string]any{}
	components := map[string]map[string]any{}
	for _, name := range names {
		raw, err := fs.ReadFile(fsys, name)
		if err != nil {
			panic(err)
		}
		var frag map[string]any
		if err := json.Unmarshal(raw, &frag); err != nil {
			panic(fmt.Sprintf("openapi: %s: %v", name, err))
		}
		for k, v := range frag {
			switch k {
			case "paths":
				mergeInto(name, paths, v.(map[string]any))
			case "components":
				for kind, entries := range v.(map[string]any) {
					if components[kind] == nil {
						components[kind] = map[string]any{}
					}
					mergeInto(name, components[kind], entries.(map[string]any))
				}
			default:
				doc[k] = v
			}
		}
	}
	doc["paths"] = paths
	doc["components"] = components
	out, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return out
}

func mergeInto(file string, dst, src map[string]any) {
	for k, v := range src {
		if _, dup := dst[k]; dup {
			panic(fmt.Sprintf("openapi: %s defines %q again", file, k))
		}
		dst[k] = v
	}
}
