package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/vinsight/vinsight/internal/metrics"
	"github.com/vinsight/vinsight/internal/store"
)

// opsHandler serves /health, /ready and /metrics in the API's envelope.
func opsHandler(st *store.Store, reg *prometheus.Registry, log zerolog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"data": map[string]string{"status": "ok"}, "error": nil, "meta": map[string]any{}})
	})
	mux.HandleFunc("GET /ready", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		ready, err := st.Ready(ctx)
		if err != nil {
			log.Warn().Err(err).Msg("not ready")
			msg := "database unreachable"
			if errors.Is(err, store.ErrSchemaNotCurrent) {
				msg = err.Error()
			}
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"data": nil,
				"error": map[string]string{"code": "NOT_READY", "message": msg}, "meta": map[string]any{}})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"data": map[string]any{
			"status": "ready", "storage": ready.Storage, "schema_version": ready.SchemaVersion}, "error": nil, "meta": map[string]any{}})
	})
	mux.Handle("GET /metrics", metrics.Handler(reg))
	return mux
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
