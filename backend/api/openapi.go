package api

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// openAPIDocument describes every route; a test keeps it and the route
// table in step.
//
//go:embed openapi.json
var openAPIDocument []byte

func (a *API) openAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/json", openAPIDocument)
}
