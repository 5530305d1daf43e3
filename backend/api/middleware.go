package api

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"

	"github.com/vinsight/vinsight/internal/metrics"
)

const requestIDHeader = "X-Request-ID"

// validRequestID keeps client-chosen ids short and log-safe.
var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// withRequestID takes the caller's X-Request-ID or makes one, echoes it, and
// puts a logger carrying it into the request context for every later line.
func withRequestID(log zerolog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader(requestIDHeader)
		if !validRequestID.MatchString(id) {
			id = newRequestID()
		}
		c.Set(requestIDHeader, id)
		c.Header(requestIDHeader, id)
		l := log.With().Str("request_id", id).Logger()
		c.Request = c.Request.WithContext(l.WithContext(c.Request.Context()))
		c.Next()
	}
}

func requestID(c *gin.Context) string { return c.GetString(requestIDHeader) }

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// accessLog writes one line per request after it is served.
func accessLog() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		status := c.Writer.Status()
		ev := zerolog.Ctx(c.Request.Context()).Info()
		if status >= 500 {
			ev = zerolog.Ctx(c.Request.Context()).Warn()
		}
		ev.Str("method", c.Request.Method).Str("route", routeOf(c)).Str("path", c.Request.URL.Path).
			Int("status", status).Dur("duration", time.Since(start)).Str("client_ip", c.ClientIP()).Msg("request")
	}
}

// measure records request count and latency by route template, never by
// raw path, so label values stay bounded.
func measure(m *metrics.HTTP) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := routeOf(c)
		m.Requests.WithLabelValues(route, c.Request.Method, strconv.Itoa(c.Writer.Status()/100)+"xx").Inc()
		m.Duration.WithLabelValues(route, c.Request.Method).Observe(time.Since(start).Seconds())
	}
}

func routeOf(c *gin.Context) string {
	if r := c.FullPath(); r != "" {
		return r
	}
	return "unmatched"
}

// recovery turns a panic into a logged 500 envelope instead of a dropped
// connection.
func recovery() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if p := recover(); p != nil {
				zerolog.Ctx(c.Request.Context()).Error().Str("panic", fmt.Sprint(p)).Msg("handler panicked")
				fail(c, http.StatusInternalServerError, "INTERNAL", "internal error; quote the request id when reporting it", nil)
			}
		}()
		c.Next()
	}
}

// limitBody caps request bodies; a larger one fails while being read.
func limitBody(max int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, max)
		c.Next()
	}
}
