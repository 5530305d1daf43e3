package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/vinsight/vinsight/internal/metrics"
)

// Router returns the complete route table.
func (a *API) Router() *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true
	r.Use(withRequestID(a.log), recovery(), accessLog(), measure(a.metrics), limitBody(maxBodyBytes))

	r.GET("/health", a.health)
	r.GET("/ready", handle(a.ready))
	r.GET("/metrics", gin.WrapH(metrics.Handler(a.registry)))

	v1 := r.Group("/api/v1")
	v1.GET("/version", handle(a.version))
	v1.GET("/openapi.json", a.openAPI)

	r.NoRoute(func(c *gin.Context) { fail(c, http.StatusNotFound, "NOT_FOUND", "no such route", nil) })
	r.NoMethod(func(c *gin.Context) {
		fail(c, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "method not allowed on this route", nil)
	})
	return r
}
