package api

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/config"
)

// limiters hold token buckets per client address (authentication) and per
// tenant and per API key (the API). They live in the process: with several
// backends each enforces its own share.
type limiters struct {
	auth, tenant, key *bucketSet
}

func newLimiters(c config.Config) *limiters {
	perMinute := max(c.AuthRatePerMinute, 1)
	perSecond := max(c.APIRatePerSecond, 1)
	burst := max(c.APIRateBurst, 1)
	return &limiters{
		auth:   newBucketSet(rate.Limit(float64(perMinute)/60), perMinute),
		tenant: newBucketSet(rate.Limit(perSecond), burst),
		key:    newBucketSet(rate.Limit(perSecond), burst),
	}
}

type bucketSet struct {
	mu      sync.Mutex
	limit   rate.Limit
	burst   int
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newBucketSet(limit rate.Limit, burst int) *bucketSet {
	return &bucketSet{limit: limit, burst: burst, buckets: map[string]*bucket{}, swept: time.Now()}
}

// take spends a token for key; when none is left it says how long to wait.
func (s *bucketSet) take(key string) (ok bool, retryAfter time.Duration) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.swept) > 10*time.Minute {
		// Idle buckets are full again; forgetting them keeps memory bounded.
		for k, b := range s.buckets {
			if now.Sub(b.seen) > 10*time.Minute {
				delete(s.buckets, k)
			}
		}
		s.swept = now
	}
	b, found := s.buckets[key]
	if !found {
		b = &bucket{lim: rate.NewLimiter(s.limit, s.burst)}
		s.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

func tooMany(c *gin.Context, wait time.Duration) {
	c.Header("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	fail(c, http.StatusTooManyRequests, "RATE_LIMITED", "too many requests; retry after the number of seconds in Retry-After", nil)
}

// limitAuth limits signup, login and invite acceptance per client address.
func (a *API) limitAuth(c *gin.Context) {
	if ok, wait := a.limits.auth.take(c.ClientIP()); !ok {
		tooMany(c, wait)
		return
	}
	c.Next()
}

// limitAPI limits authenticated calls per tenant and, for keys, per key.
func (a *API) limitAPI(c *gin.Context) {
	if wait := a.apiWait(principal(c)); wait > 0 {
		tooMany(c, wait)
		return
	}
	c.Next()
}

// apiWait takes one request from the caller's tenant and key budgets and
// returns 0, or how long to wait when one of them is spent.
func (a *API) apiWait(p auth.Principal) time.Duration {
	if ok, wait := a.limits.tenant.take(p.TenantID.String()); !ok {
		return max(wait, time.Millisecond)
	}
	if p.IsKey() {
		if ok, wait := a.limits.key.take(p.APIKeyID.String()); !ok {
			return max(wait, time.Millisecond)
		}
	}
	return 0
}
