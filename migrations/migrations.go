// Package migrations embeds the schema migrations. Files at the top level are
// shared by both storage engines; postgres/ and timescale/ hold the versions
// whose DDL differs per engine (same relation names and columns either way).
package migrations

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
)

//go:embed *.sql postgres/*.sql timescale/*.sql
var files embed.FS

// Engines lists the storage engines that have a migration directory.
var Engines = []string{"postgres", "timescale"}

var versionPattern = regexp.MustCompile(`^([0-9]+)_.*\.(up|down)\.sql$`)

// Source returns the migrations for one engine as a flat file system, the
// shared files and the engine's own ones side by side, ready for iofs.
func Source(engine string) (fs.FS, error) {
	if _, err := fs.Stat(files, engine); err != nil {
		return nil, fmt.Errorf("migrations: unknown storage engine %q", engine)
	}
	return engineFS{engine: engine}, nil
}

// Latest returns the highest migration version, the one a current schema has.
func Latest(engine string) (uint, error) {
	fsys, err := Source(engine)
	if err != nil {
		return 0, err
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return 0, err
	}
	var latest uint
	for _, e := range entries {
		m := versionPattern.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		v, err := strconv.ParseUint(m[1], 10, 32)
		if err != nil {
			return 0, fmt.Errorf("migrations: bad version in %s: %w", e.Name(), err)
		}
		latest = max(latest, uint(v))
	}
	return latest, nil
}

// engineFS overlays one engine directory on the shared top-level files.
type engineFS struct{ engine string }

func (e engineFS) Open(name string) (fs.File, error) {
	if name == "." {
		return files.Open(".")
	}
	if f, err := files.Open(path.Join(e.engine, name)); err == nil {
		return f, nil
	}
	return files.Open(name)
}

func (e engineFS) ReadDir(name string) ([]fs.DirEntry, error) {
	if name != "." {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	var out []fs.DirEntry
	for _, dir := range []string{".", e.engine} {
		entries, err := files.ReadDir(dir)
		if err != nil {
			return nil, err
		}
		for _, entry := range entries {
			if !entry.IsDir() {
				out = append(out, entry)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out, nil
}
