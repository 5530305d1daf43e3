package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// userHZ is the unit of the CPU times in /proc/<pid>/stat: Linux reports
// them in USER_HZ ticks, which is 100 on every architecture Go supports.
const userHZ = 100

// procTimes is a process's CPU time from /proc/<pid>/stat, in seconds:
// its own (all threads) and that of its children it has waited for.
type procTimes struct {
	ppid         int
	user, system float64 // utime, stime
	children     float64 // cutime + cstime
}

func (t procTimes) self() float64 { return t.user + t.system }

func readProcTimes(pid int) (procTimes, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procTimes{}, err
	}
	// The command name is in parentheses and may hold spaces: the fields
	// that follow start after the last ')', with field 3 (state) first.
	end := bytes.LastIndexByte(raw, ')')
	if end < 0 {
		return procTimes{}, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(string(raw[end+1:]))
	if len(f) < 15 {
		return procTimes{}, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	num := func(i int) float64 { n, _ := strconv.ParseFloat(f[i], 64); return n }
	ppid, _ := strconv.Atoi(f[1])
	// Fields 14-17 of proc(5): utime, stime, cutime, cstime.
	return procTimes{ppid: ppid, user: num(11) / userHZ, system: num(12) / userHZ, children: (num(13) + num(14)) / userHZ}, nil
}

// clusterCPU is the CPU seconds used so far by a PostgreSQL cluster: the
// postmaster, its live children (backends, background workers) and the
// children that have exited, which the kernel adds to the postmaster's
// cutime/cstime when it reaps them. A backend that comes and goes between two
// readings is therefore counted once.
func clusterCPU(postmaster int) (float64, error) {
	pm, err := readProcTimes(postmaster)
	if err != nil {
		return 0, fmt.Errorf("postmaster: %w", err)
	}
	total := pm.self() + pm.children
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == postmaster {
			continue
		}
		t, err := readProcTimes(pid)
		if err != nil || t.ppid != postmaster {
			continue // gone meanwhile, or not ours
		}
		total += t.self()
	}
	return total, nil
}

// postmasterPID reads the server's pid from the data directory.
func postmasterPID(clusterDir string) (int, error) {
	raw, err := os.ReadFile(filepath.Join(clusterDir, "data", "postmaster.pid"))
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		return 0, fmt.Errorf("postmaster.pid: %w", err)
	}
	return pid, nil
}

// residentBytes is pid's resident set size (VmRSS).
func residentBytes(pid int) (int64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("/proc/%d/status: VmRSS: %w", pid, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no VmRSS", pid)
}
