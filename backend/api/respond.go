package api

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"

	"github.com/vinsight/vinsight/internal/errs"
)

// envelope is the shape of every API response.
type envelope struct {
	Data  any            `json:"data"`
	Error *apiError      `json:"error"`
	Meta  map[string]any `json:"meta"`
}

type apiError struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Details map[string]string `json:"details,omitempty"`
}

// errorTable maps each sentinel to its HTTP status and envelope code: the
// one place where store and domain errors become HTTP.
var errorTable = []struct {
	err    error
	status int
	code   string
}{
	{errs.ErrValidation, http.StatusBadRequest, "VALIDATION_ERROR"},
	{errs.ErrUnauthorized, http.StatusUnauthorized, "UNAUTHORIZED"},
	{errs.ErrForbidden, http.StatusForbidden, "FORBIDDEN"},
	{errs.ErrNotFound, http.StatusNotFound, "NOT_FOUND"},
	{errs.ErrConflict, http.StatusConflict, "CONFLICT"},
	{errs.ErrRateLimited, http.StatusTooManyRequests, "RATE_LIMITED"},
	{errs.ErrLimitExceeded, http.StatusUnprocessableEntity, "LIMIT_EXCEEDED"},
	{errs.ErrUnavailable, http.StatusServiceUnavailable, "UNAVAILABLE"},
}

// ok writes a success envelope.
func ok(c *gin.Context, status int, data any, meta map[string]any) {
	if meta == nil {
		meta = map[string]any{}
	}
	c.JSON(status, envelope{Data: data, Meta: meta})
}

// fail writes an error envelope with an explicit status and code.
func fail(c *gin.Context, status int, code, message string, details map[string]string) {
	c.AbortWithStatusJSON(status, envelope{
		Error: &apiError{Code: code, Message: message, Details: details},
		Meta:  map[string]any{"request_id": requestID(c)},
	})
}

// handle adapts a handler that returns an error: known errors become their
// status and code; anything else is logged once and answered with a generic
// 500 that carries only the request id.
func handle(fn func(c *gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := fn(c); err != nil {
			writeError(c, err)
		}
	}
}

func writeError(c *gin.Context, err error) {
	var verr *errs.ValidationError
	if errors.As(err, &verr) {
		fail(c, http.StatusBadRequest, "VALIDATION_ERROR", "the request has invalid fields", verr.Fields)
		return
	}
	for _, e := range errorTable {
		if errors.Is(err, e.err) {
			msg, ok := errs.PublicMessage(err)
			if !ok {
				msg = e.err.Error()
			}
			fail(c, e.status, e.code, msg, nil)
			return
		}
	}
	zerolog.Ctx(c.Request.Context()).Error().Err(err).Msg("request failed")
	fail(c, http.StatusInternalServerError, "INTERNAL", "internal error; quote the request id when reporting it", nil)
}
