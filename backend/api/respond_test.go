package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vinsight/vinsight/internal/errs"
)

func TestErrorTable(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	cases := []struct {
		name   string
		err    error
		status int
		code   string
	}{
		{"validation with details", errs.Invalid("name", "required"), 400, "VALIDATION_ERROR"},
		{"wrapped not found", fmt.Errorf("store.GetMonitor: %w", errs.ErrNotFound), 404, "NOT_FOUND"},
		{"conflict", fmt.Errorf("x: %w", errs.ErrConflict), 409, "CONFLICT"},
		{"described limit", fmt.Errorf("store.X: %w", errs.Describe(errs.ErrLimitExceeded, "at most 5 monitors")), 422, "LIMIT_EXCEEDED"},
		{"unauthorized", errs.ErrUnauthorized, 401, "UNAUTHORIZED"},
		{"forbidden", errs.ErrForbidden, 403, "FORBIDDEN"},
		{"rate limited", errs.ErrRateLimited, 429, "RATE_LIMITED"},
		{"unknown error hides its text", errors.New("pq: relation secret_table does not exist"), 500, "INTERNAL"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := gin.New()
			r.Use(withRequestID(zerolog.Nop()))
			r.GET("/", handle(func(*gin.Context) error { return tc.err }))
			w := httptest.NewRecorder()
			r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))

			assert.Equal(t, tc.status, w.Code)
			var env envelope
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &env))
			require.NotNil(t, env.Error)
			assert.Equal(t, tc.code, env.Error.Code)
			assert.Nil(t, env.Data)
			assert.NotContains(t, w.Body.String(), "secret_table")
			assert.NotEmpty(t, env.Meta["request_id"])
			if tc.code == "LIMIT_EXCEEDED" {
				assert.Equal(t, "at most 5 monitors", env.Error.Message)
			}
			if tc.code == "VALIDATION_ERROR" {
				assert.Equal(t, map[string]string{"name": "required"}, env.Error.Details)
			}
		})
	}
}

func TestPanicBecomes500Envelope(t *testing.T) {
	r := gin.New()
	r.Use(withRequestID(zerolog.Nop()), recovery())
	r.GET("/", func(*gin.Context) { panic("boom") })
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Equal(t, http.StatusInternalServerError, w.Code)
	assert.NotContains(t, w.Body.String(), "boom")
	assert.Contains(t, w.Body.String(), `"code":"INTERNAL"`)
}
