package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"

	"github.com/vinsight/vinsight/internal/store"
)

// health answers while the process lives; it touches nothing else.
func (a *API) health(c *gin.Context) {
	ok(c, http.StatusOK, gin.H{"status": "ok"}, nil)
}

// ready answers 200 only when the database answers and the schema is
// current, and names the storage engine in use.
func (a *API) ready(c *gin.Context) error {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	r, err := a.store.Ready(ctx)
	if err != nil {
		zerolog.Ctx(c.Request.Context()).Warn().Err(err).Msg("not ready")
		msg := "database unreachable"
		if errors.Is(err, store.ErrSchemaNotCurrent) {
			msg = err.Error()
		}
		fail(c, http.StatusServiceUnavailable, "NOT_READY", msg, nil)
		return nil
	}
	ok(c, http.StatusOK, gin.H{"status": "ready", "storage": r.Storage, "schema_version": r.SchemaVersion}, nil)
	return nil
}

// version names the build and the storage engine; the UI's first call.
func (a *API) version(c *gin.Context) error {
	ok(c, http.StatusOK, gin.H{"version": Version, "storage": a.store.Engine()}, nil)
	return nil
}
