package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/vinsight/vinsight/internal/errs"
)

// decode reads a JSON body into dst strictly: unknown fields, wrong types,
// trailing data and oversized bodies are validation errors that name the
// problem, never a 500.
func decode(c *gin.Context, dst any) error {
	body, err := io.ReadAll(c.Request.Body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return errs.Invalid("body", fmt.Sprintf("larger than %d bytes", tooBig.Limit))
	}
	if err != nil {
		return errs.Invalid("body", "could not be read")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return errs.Invalid("body", "a JSON object is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return errs.Invalid("body", "unexpected data after the JSON object")
	}
	return nil
}

func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return errs.Invalid(field, "must be "+jsonKind(typeErr.Type.Kind().String()))
	case errors.As(err, &syntaxErr):
		return errs.Invalid("body", fmt.Sprintf("malformed JSON at byte %d", syntaxErr.Offset))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return errs.Invalid(name, "unknown field")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errs.Invalid("body", "truncated JSON")
	}
	return errs.Invalid("body", "invalid JSON")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "int", "int32", "int64", "uint", "float64":
		return "a number"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "map", "struct", "ptr":
		return "an object"
	}
	return "of another type"
}

// pathID parses the :name path parameter as a UUID. A malformed id names
// nothing that exists, so it is a 404 like any other unknown id.
func pathID(c *gin.Context, name string) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Param(name))
	if err != nil {
		return uuid.Nil, errs.ErrNotFound
	}
	return id, nil
}

// Page is a list request's page and page size.
type Page struct {
	Page, PerPage int
}

// Offset is the number of rows before this page.
func (p Page) Offset() int { return (p.Page - 1) * p.PerPage }

// Meta is the list metadata of the envelope.
func (p Page) Meta(total int) map[string]any {
	return map[string]any{"page": p.Page, "per_page": p.PerPage, "total": total}
}

// paging reads page (from 1) and per_page (1 to 200, default 50).
func paging(c *gin.Context) (Page, error) { return pageWithin(c, 50, 200) }

// pageWithin reads page (from 1) and per_page (1 to most, default def).
func pageWithin(c *gin.Context, def, most int) (Page, error) {
	p := Page{Page: 1, PerPage: def}
	v := errs.ValidationError{}
	if s := c.Query("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1_000_000 {
			v.Add("page", "must be a whole number from 1")
		}
		p.Page = n
	}
	if s := c.Query("per_page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > most {
			v.Add("per_page", fmt.Sprintf("must be a whole number from 1 to %d", most))
		}
		p.PerPage = n
	}
	return p, v.OrNil()
}

// cleanText checks a user-supplied name-like string: trimmed, within
// limits, and free of control characters.
func cleanText(v *errs.ValidationError, field, s string, min, max int) string {
	s = strings.TrimSpace(s)
	switch {
	case len([]rune(s)) < min:
		if min == 1 {
			v.Add(field, "required")
		} else {
			v.Add(field, fmt.Sprintf("at least %d characters", min))
		}
	case len([]rune(s)) > max:
		v.Add(field, fmt.Sprintf("at most %d characters", max))
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		v.Add(field, "must not contain control characters")
	}
	return s
}
