package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/vinsight/vinsight/internal/auth"
	"github.com/vinsight/vinsight/internal/pgcluster"
	"github.com/vinsight/vinsight/internal/store"
)

const (
	databaseName = "vinsight"
	demoEmail    = "demo@vinsight.local"
	demoPassword = "vinsight-demo"
)

// startDatabase starts the private cluster, remembering its port in dir so
// later runs reuse it (a new free port is picked if it has been taken).
func startDatabase(ctx context.Context, dir string, port int) (*pgcluster.Cluster, string, error) {
	portFile := filepath.Join(dir, "port")
	if port == 0 {
		if b, err := os.ReadFile(portFile); err == nil {
			if p, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && portFree(p) {
				port = p
			}
		}
	}
	say("starting PostgreSQL in %s", dir)
	pg, err := pgcluster.Start(ctx, pgcluster.Options{Dir: dir, Port: port, Durable: true})
	if err != nil {
		return nil, "", err
	}
	if err := os.WriteFile(portFile, []byte(strconv.Itoa(pg.Port)), 0o644); err != nil {
		_ = pg.Stop()
		return nil, "", err
	}
	if err := createDatabase(ctx, pg.URL("postgres"), databaseName); err != nil {
		_ = pg.Stop()
		return nil, "", err
	}
	engine := "plain PostgreSQL"
	if pg.Timescale {
		engine = "TimescaleDB preloaded"
	}
	say("PostgreSQL listening on 127.0.0.1:%d (%s)", pg.Port, engine)
	return pg, pg.URL(databaseName), nil
}

func createDatabase(ctx context.Context, adminURL, name string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	return err
}

// prepareDatabase migrates (the backend would too; the seed needs the
// schema first) and creates the demo tenant and user once.
func prepareDatabase(ctx context.Context, dbURL string) error {
	st, err := store.Open(ctx, dbURL, store.Options{Storage: os.Getenv("VINSIGHT_STORAGE")})
	if err != nil {
		return err
	}
	defer st.Close()
	say("storage engine: %s", st.Engine())
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	exists, err := st.UserExists(ctx, demoEmail)
	if err != nil || exists {
		return err
	}
	hash, err := auth.HashPassword(demoPassword)
	if err != nil {
		return err
	}
	_, _, err = st.CreateTenantWithOwner(ctx, store.NewOwner{
		TenantName: "Demo", Email: demoEmail, Name: "Demo User", PasswordHash: hash,
	})
	if err == nil {
		say("created demo tenant and user %s", demoEmail)
	}
	return err
}

// secretKey reads the development secret key, creating it on first run.
func secretKey(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(b)), nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return "", err
	}
	enc := base64.StdEncoding.EncodeToString(key)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	return enc, os.WriteFile(path, []byte(enc+"\n"), 0o600)
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		fmt.Fprintf(os.Stderr, "make run: %s=%q is not a number; using %d\n", name, v, def)
		return def
	}
	return n
}
