package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/vinsight/vinsight/internal/auth"
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

	public := v1.Group("", a.limitAuth)
	public.POST("/auth/signup", handle(a.signup))
	public.POST("/auth/login", handle(a.login))
	public.POST("/invites/accept", handle(a.acceptInvite))
	// Push URLs of heartbeat monitors: the token is the credential, and the
	// limit is the tenant's API budget.
	v1.GET("/heartbeat/:token", handle(a.heartbeat))
	v1.POST("/heartbeat/:token", handle(a.heartbeat))
	// Public status pages and README badges: the slug or the badge token is
	// all a visitor has. Both answer from cache-friendly reads.
	v1.GET("/public/status-pages/:slug", handle(a.publicStatusPage))
	v1.GET("/badge/:token/status.svg", handle(a.badgeStatus))
	v1.GET("/badge/:token/uptime.svg", handle(a.badgeUptime))

	// Everything below knows its tenant from the bearer token alone.
	in := v1.Group("", a.authenticate, a.limitAPI)
	in.GET("/me", handle(a.me))
	user := in.Group("", requireUser)
	user.POST("/auth/logout", handle(a.logout))
	user.POST("/auth/switch", handle(a.switchTenant))
	user.GET("/sessions", handle(a.listSessions))
	user.DELETE("/sessions/:id", handle(a.revokeSession))
	// Deleting the tenant takes an owner in person: no API key, whatever its scope.
	user.DELETE("/tenant", requireRole(auth.Owner), handle(a.deleteTenant))

	in.GET("/monitors", handle(a.listMonitors))
	in.GET("/monitors/:id", handle(a.getMonitor))
	in.GET("/monitors/:id/uptime", handle(a.monitorUptime))
	in.GET("/monitors/:id/series", handle(a.monitorSeries))
	in.GET("/monitors/:id/results", handle(a.monitorResults))
	in.GET("/monitors/:id/daily", handle(a.monitorDaily))
	in.GET("/dashboard", handle(a.dashboard))
	in.GET("/reports/sla", handle(a.slaReport))
	in.GET("/metrics", handle(a.tenantMetrics))
	write := in.Group("", requireRole(auth.Member))
	write.POST("/monitors", handle(a.createMonitor))
	write.PUT("/monitors/:id", handle(a.updateMonitor))
	write.DELETE("/monitors/:id", handle(a.deleteMonitor))
	write.POST("/monitors/:id/pause", handle(a.pauseMonitor))
	write.POST("/monitors/:id/resume", handle(a.resumeMonitor))
	in.GET("/monitors/:id/incidents", handle(a.listMonitorIncidents))

	in.GET("/incidents", handle(a.listIncidents))
	in.GET("/incidents/:id", handle(a.getIncident))
	write.POST("/incidents/:id/acknowledge", handle(a.acknowledgeIncident))
	write.POST("/incidents/:id/comments", handle(a.commentIncident))

	in.GET("/notification-channels", handle(a.listChannels))
	in.GET("/notification-channels/:id", handle(a.getChannel))
	write.POST("/notification-channels", handle(a.createChannel))
	write.PUT("/notification-channels/:id", handle(a.updateChannel))
	write.DELETE("/notification-channels/:id", handle(a.deleteChannel))
	write.POST("/notification-channels/:id/test", handle(a.testChannel))

	in.GET("/maintenance-windows", handle(a.listMaintenanceWindows))
	in.GET("/maintenance-windows/:id", handle(a.getMaintenanceWindow))
	write.POST("/maintenance-windows", handle(a.createMaintenanceWindow))
	write.PUT("/maintenance-windows/:id", handle(a.updateMaintenanceWindow))
	write.DELETE("/maintenance-windows/:id", handle(a.deleteMaintenanceWindow))

	in.GET("/status-pages", handle(a.listStatusPages))
	in.GET("/status-pages/:id", handle(a.getStatusPage))
	write.POST("/status-pages", handle(a.createStatusPage))
	write.PUT("/status-pages/:id", handle(a.updateStatusPage))
	write.DELETE("/status-pages/:id", handle(a.deleteStatusPage))

	in.GET("/badges", handle(a.listBadges))
	write.POST("/badges", handle(a.createBadge))
	write.DELETE("/badges/:id", handle(a.deleteBadge))

	in.GET("/members", handle(a.listMembers))
	// Anyone may leave; removing someone else is checked in the handler.
	in.DELETE("/members/:user_id", handle(a.removeMember))
	admin := in.Group("", requireRole(auth.Admin))
	admin.PUT("/members/:user_id", handle(a.updateMember))
	admin.GET("/invites", handle(a.listInvites))
	admin.POST("/invites", handle(a.createInvite))
	admin.DELETE("/invites/:id", handle(a.revokeInvite))
	admin.GET("/api-keys", handle(a.listAPIKeys))
	admin.POST("/api-keys", handle(a.createAPIKey))
	admin.DELETE("/api-keys/:id", handle(a.revokeAPIKey))
	admin.GET("/audit-log", handle(a.listAuditLog))

	// The Prometheus HTTP API for Grafana and other Prometheus clients: their
	// credentials (bearer or basic-auth password), their response format.
	prom := v1.Group("/prom/api/v1", a.promAuthenticate)
	// Grafana sends queries, series and label lookups as POST forms.
	prom.GET("/query", promHandle(a.promQuery))
	prom.POST("/query", promHandle(a.promQuery))
	prom.GET("/query_range", promHandle(a.promQueryRange))
	prom.POST("/query_range", promHandle(a.promQueryRange))
	prom.GET("/series", promHandle(a.promSeries))
	prom.POST("/series", promHandle(a.promSeries))
	prom.GET("/labels", promHandle(a.promLabels))
	prom.POST("/labels", promHandle(a.promLabels))
	prom.GET("/label/:name/values", promHandle(a.promLabelValues))
	prom.GET("/metadata", promHandle(a.promMetadata))
	prom.GET("/status/buildinfo", promHandle(a.promBuildInfo))

	r.NoRoute(func(c *gin.Context) { fail(c, http.StatusNotFound, "NOT_FOUND", "no such route", nil) })
	r.NoMethod(func(c *gin.Context) {
		fail(c, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "method not allowed on this route", nil)
	})
	return r
}
