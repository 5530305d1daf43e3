package ingest

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/vinsight/vinsight/internal/model"
)

// The spool keeps batches on disk, one file per batch, while the database
// is away and memory is full. A file is written to a temporary name, synced
// and renamed, so a crash leaves a whole batch or none. Its name orders the
// batches oldest first and carries the batch id and size, so a worker that
// starts knows the spool without reading every file:
//
//	<20-digit sequence>_<batch id>_<results>.spool
//
// Several workers may share a directory: a file may then be written by two
// of them, which the batch id makes harmless, and a vanished file is skipped.
const (
	spoolExt     = ".spool"
	tempPrefix   = ".tmp-"
	rejectedDir  = "rejected"
	staleTempAge = time.Hour // no write takes this long: such a temp file is a crash's leftover
)

// errSpoolFull: the spool is at its byte limit.
var errSpoolFull = errors.New("spool full")

// failFastFor: after a failed write the spool refuses writes for a moment,
// so that a broken disk does not cost every Submit an encoding and a write.
const failFastFor = time.Second

type spool struct {
	dir      string
	maxBytes int64

	mu      sync.Mutex
	files   []spoolFile // oldest first
	results int
	bytes   int64 // including writes under way
	lastSeq int64

	bytesPerResult int64 // of the last batch: lets a full spool refuse a batch before encoding it
	failedAt       time.Time
	lastErr        error
}

type spoolFile struct {
	name    string
	seq     int64
	batchID uuid.UUID
	results int
	bytes   int64
}

// openSpool creates dir when needed and lists the batches an earlier run
// left there. Files whose names cannot be read are moved aside and returned
// as problems for the caller to report.
func openSpool(dir string, maxBytes int64) (*spool, []error, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("spool: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("spool: %w", err)
	}
	s := &spool{dir: dir, maxBytes: maxBytes}
	var problems []error
	for _, e := range entries {
		name := e.Name()
		info, err := e.Info()
		switch {
		case err != nil || e.IsDir():
			continue
		case strings.HasPrefix(name, tempPrefix):
			if time.Since(info.ModTime()) > staleTempAge {
				_ = os.Remove(filepath.Join(dir, name))
			}
			continue
		}
		f, err := parseSpoolName(name)
		if err != nil {
			problems = append(problems, errors.Join(fmt.Errorf("%s: %w", name, err), s.moveAside(name)))
			continue
		}
		f.bytes = info.Size()
		s.add(f)
	}
	return s, problems, nil
}

func spoolName(seq int64, id uuid.UUID, results int) string {
	return fmt.Sprintf("%020d_%s_%d%s", seq, id, results, spoolExt)
}

func parseSpoolName(name string) (spoolFile, error) {
	parts := strings.Split(strings.TrimSuffix(name, spoolExt), "_")
	if !strings.HasSuffix(name, spoolExt) || len(parts) != 3 {
		return spoolFile{}, fmt.Errorf("%w: unexpected file name", errCorrupt)
	}
	seq, err1 := strconv.ParseInt(parts[0], 10, 64)
	id, err2 := uuid.Parse(parts[1])
	n, err3 := strconv.Atoi(parts[2])
	if err := errors.Join(err1, err2, err3); err != nil || n < 1 {
		return spoolFile{}, fmt.Errorf("%w: unexpected file name", errCorrupt)
	}
	return spoolFile{name: name, seq: seq, batchID: id, results: n}, nil
}

// write stores one batch, or fails with errSpoolFull when it would exceed
// the byte limit.
func (s *spool) write(id uuid.UUID, results []model.CheckResult) error {
	if len(results) == 0 {
		return nil
	}
	if err := s.wouldRefuse(len(results)); err != nil {
		return err
	}
	data, err := encodeBatch(id, results)
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.bytesPerResult = int64(len(data) / len(results))
	if s.bytes+int64(len(data)) > s.maxBytes {
		s.mu.Unlock()
		return errSpoolFull
	}
	// Reserve the room now so that concurrent writes cannot overshoot.
	s.bytes += int64(len(data))
	s.lastSeq = max(s.lastSeq+1, time.Now().UnixNano())
	f := spoolFile{name: spoolName(s.lastSeq, id, len(results)), seq: s.lastSeq, batchID: id, results: len(results)}
	s.mu.Unlock()

	err = writeFileAtomically(s.dir, f.name, data)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bytes -= int64(len(data))
	if err != nil {
		s.failedAt, s.lastErr = time.Now(), err
		return fmt.Errorf("spool: %w", err)
	}
	f.bytes = int64(len(data))
	s.add(f)
	return nil
}

// wouldRefuse says why a write of n results would fail now, or nil.
func (s *spool) wouldRefuse(n int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refusal(n)
}

// refusal says why a write of n results would fail, without trying it; the
// caller holds mu.
func (s *spool) refusal(n int) error {
	if s.bytes+s.bytesPerResult*int64(n) > s.maxBytes {
		return errSpoolFull
	}
	if time.Since(s.failedAt) < failFastFor {
		return fmt.Errorf("spool: last write failed %s ago: %w", time.Since(s.failedAt).Round(time.Millisecond), s.lastErr)
	}
	return nil
}

// add inserts f in sequence order; the caller holds mu or owns s alone.
func (s *spool) add(f spoolFile) {
	i, _ := slices.BinarySearchFunc(s.files, f.seq, func(e spoolFile, seq int64) int { return cmp.Compare(e.seq, seq) })
	s.files = slices.Insert(s.files, i, f)
	s.results += f.results
	s.bytes += f.bytes
	s.lastSeq = max(s.lastSeq, f.seq)
}

// oldest returns the first batch in line.
func (s *spool) oldest() (spoolFile, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.files) == 0 {
		return spoolFile{}, false
	}
	return s.files[0], true
}

// read returns the batch of f; errCorrupt when the file is unusable,
// fs.ErrNotExist when another worker has already taken it.
func (s *spool) read(f spoolFile) ([]model.CheckResult, error) {
	data, err := os.ReadFile(filepath.Join(s.dir, f.name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errCorrupt, err)
	}
	return decodeBatch(data, f.batchID, f.results)
}

// remove deletes a written batch. It is forgotten even when the deletion
// fails: a later run reading it again finds its id already written.
func (s *spool) remove(f spoolFile) error {
	s.forget(f)
	if err := os.Remove(filepath.Join(s.dir, f.name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("spool: %w", err)
	}
	return nil
}

// setAside moves a batch that cannot be written into the rejected directory
// for an operator to inspect.
func (s *spool) setAside(f spoolFile) error {
	s.forget(f)
	return s.moveAside(f.name)
}

func (s *spool) moveAside(name string) error {
	dest := filepath.Join(s.dir, rejectedDir, name)
	err := os.MkdirAll(filepath.Dir(dest), 0o700)
	if err == nil {
		err = os.Rename(filepath.Join(s.dir, name), dest)
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("spool: set aside %s: %w", name, err)
	}
	return nil
}

// reject stores a batch from memory that the database refused straight into
// the rejected directory.
func (s *spool) reject(id uuid.UUID, results []model.CheckResult) error {
	data, err := encodeBatch(id, results)
	if err != nil {
		return err
	}
	dir := filepath.Join(s.dir, rejectedDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	return writeFileAtomically(dir, spoolName(time.Now().UnixNano(), id, len(results)), data)
}

func (s *spool) forget(f spoolFile) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.files, func(e spoolFile) bool { return e.name == f.name })
	if i < 0 {
		return
	}
	s.files = slices.Delete(s.files, i, i+1)
	s.results -= f.results
	s.bytes -= f.bytes
}

// depth reports the results and bytes held, for the metrics.
func (s *spool) depth() (int, int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.results, s.bytes
}

// writeFileAtomically writes data to dir/name through a synced temporary
// file and a rename, then syncs dir so that the rename survives a crash.
// Once renamed the batch is in the spool: a failed directory sync is not
// reported, as the caller would then keep the batch twice.
func writeFileAtomically(dir, name string, data []byte) error {
	tmp := filepath.Join(dir, tempPrefix+uuid.NewString())
	err := writeSynced(tmp, data)
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}
