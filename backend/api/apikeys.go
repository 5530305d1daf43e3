package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/errs"
	"github.com/vinsight/vinsight/internal/store"
)

type apiKeyRequest struct {
	Name  string `json:"name"`
	Scope string `json:"scope"`
}

// createdAPIKey is the one response that carries the secret.
type createdAPIKey struct {
	store.APIKey
	Key string `json:"key"`
}

// createAPIKey makes a key and shows its secret this once; only its SHA-256
// is stored. A key without a scope is read-only.
func (a *API) createAPIKey(c *gin.Context) error {
	var req apiKeyRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	v := &errs.ValidationError{}
	name := cleanText(v, "name", req.Name, 1, 100)
	if req.Scope == "" {
		req.Scope = auth.ScopeRead
	}
	if req.Scope != auth.ScopeRead && req.Scope != auth.ScopeWrite {
		v.Add("scope", "must be read or write")
	}
	if err := v.OrNil(); err != nil {
		return err
	}
	key, hash := auth.NewToken(auth.APIKeyPrefix)
	k, err := a.store.CreateAPIKey(c.Request.Context(), principal(c).TenantID, actor(c), store.NewAPIKey{
		Name: name, Scope: req.Scope, Prefix: auth.KeyDisplayPrefix(key), KeyHash: hash})
	if err != nil {
		return err
	}
	ok(c, http.StatusCreated, createdAPIKey{APIKey: k, Key: key}, nil)
	return nil
}

func (a *API) listAPIKeys(c *gin.Context) error {
	page, err := paging(c)
	if err != nil {
		return err
	}
	list, total, err := a.store.ListAPIKeys(c.Request.Context(), principal(c).TenantID, page.PerPage, page.Offset())
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, list, page.Meta(total))
	return nil
}

func (a *API) revokeAPIKey(c *gin.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := a.store.RevokeAPIKey(c.Request.Context(), principal(c).TenantID, actor(c), id); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
