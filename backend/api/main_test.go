package api_test

import (
	"testing"

	"github.com/vinsight/vinsight/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }
