package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTick is the kernel's USER_HZ, the unit of /proc's CPU times.
const clockTick = 100

// procCPU is a process's user and system CPU time so far, from /proc.
func procCPU(pid int) time.Duration {
	f := statFields(pid)
	if len(f) < 17 {
		return 0
	}
	return ticks(f[13]) + ticks(f[14])
}

// treeCPU is the CPU time of the postmaster and all its backends: the live
// ones, and, through the postmaster's children times, those that have exited.
func treeCPU(postmaster int) time.Duration {
	f := statFields(postmaster)
	if len(f) < 17 {
		return 0
	}
	total := ticks(f[13]) + ticks(f[14]) + ticks(f[15]) + ticks(f[16])
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == postmaster {
			continue
		}
		if c := statFields(pid); len(c) > 14 && c[3] == strconv.Itoa(postmaster) {
			total += ticks(c[13]) + ticks(c[14])
		}
	}
	return total
}

// statFields splits /proc/PID/stat into its fields, numbered from 0 (pid);
// the command name, which may hold spaces, is field 1.
func statFields(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	s := string(b)
	end := strings.LastIndexByte(s, ')')
	if end < 0 {
		return nil
	}
	return append([]string{strings.Fields(s[:end])[0], "comm"}, strings.Fields(s[end+1:])...)
}

func ticks(s string) time.Duration {
	n, _ := strconv.ParseInt(s, 10, 64)
	return time.Duration(n) * time.Second / clockTick
}

// postmasterPID reads the cluster's postmaster.pid.
func postmasterPID(dir string) (int, error) {
	b, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid"))
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
}

// pgProcesses are the postmaster and its live children (backends and
// background processes).
func pgProcesses(postmaster int) []int {
	out := []int{postmaster}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == postmaster {
			continue
		}
		if c := statFields(pid); len(c) > 3 && c[3] == strconv.Itoa(postmaster) {
			out = append(out, pid)
		}
	}
	return out
}

// backgroundCPU is the CPU time so far of the postmaster and the cluster's
// long-lived background processes (checkpointer, background and WAL writers,
// launchers): a part of treeCPU that is not the runs' work (autovacuum
// workers, which come and go, are not in it).
func backgroundCPU(postmaster int) time.Duration {
	f := statFields(postmaster)
	if len(f) < 17 {
		return 0
	}
	total := ticks(f[13]) + ticks(f[14])
	for _, pid := range pgProcesses(postmaster)[1:] {
		// The long-lived background processes by their titles (a backend that
		// is exiting has none; an autovacuum worker comes and goes).
		cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		title := strings.TrimPrefix(string(cmd), "postgres: ")
		if !strings.HasPrefix(title, "checkpointer") && !strings.HasPrefix(title, "background writer") && !strings.HasPrefix(title, "walwriter") &&
			!strings.HasPrefix(title, "autovacuum launcher") && !strings.HasPrefix(title, "logical replication launcher") {
			continue
		}
		if c := statFields(pid); len(c) > 14 {
			total += ticks(c[13]) + ticks(c[14])
		}
	}
	return total
}
