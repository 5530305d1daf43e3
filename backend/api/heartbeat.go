package api

import (
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/gin-gonic/gin"

	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/model"
)

// heartbeat records a beat pushed to a heartbeat monitor's URL (GET or POST,
// so that curl, cron and CI systems can all call it). ?status=fail records a
// failure; ?msg= carries a short message. The token is the credential.
func (a *API) heartbeat(c *gin.Context) error {
	target, err := a.store.HeartbeatByToken(c.Request.Context(), c.Param("token"))
	if err != nil {
		return err
	}
	if ok, wait := a.limits.tenant.take(target.TenantID.String()); !ok {
		tooMany(c, wait)
		return nil
	}
	status := model.ResultUp
	switch strings.ToLower(c.Query("status")) {
	case "", "ok", "up", "success":
	case "fail", "failure", "down", "error":
		status = model.ResultDown
	default:
		return errs.Invalid("status", "must be ok or fail")
	}
	if !target.Enabled {
		ok(c, http.StatusOK, gin.H{"recorded": false, "reason": "monitor is paused"}, nil)
		return nil
	}
	r := model.CheckResult{Time: time.Now().UTC(), TenantID: target.TenantID, MonitorID: target.MonitorID,
		Region: "push", Status: status, Message: beatMessage(c.Query("msg"))}
	if status == model.ResultDown {
		r.ErrorKind = "assertion"
		if r.Message == "" {
			r.Message = "the job reported a failure"
		}
	}
	if err := a.store.RecordCheck(c.Request.Context(), r); err != nil {
		return err
	}
	ok(c, http.StatusOK, gin.H{"recorded": true, "status": status}, nil)
	return nil
}

// beatMessage keeps a pushed message short and printable.
func beatMessage(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.TrimSpace(s))
	if r := []rune(s); len(r) > 500 {
		s = string(r[:500])
	}
	return s
}
