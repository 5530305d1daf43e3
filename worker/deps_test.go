package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWorkerDoesNotLinkTheAPIStack: the worker shares internal/ with the
// backend but none of the HTTP API's dependencies.
func TestWorkerDoesNotLinkTheAPIStack(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	require.NoError(t, err, string(out))
	for _, pkg := range strings.Fields(string(out)) {
		require.False(t, strings.HasPrefix(pkg, "github.com/gin-gonic/"), "worker depends on %s", pkg)
		require.NotEqual(t, "github.com/vinsight/vinsight/backend/api", pkg)
	}
}
