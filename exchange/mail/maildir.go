package mail

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// IsMaildir reports whether dir looks like a Maildir folder (it has a cur
// or new subdirectory).
func IsMaildir(dir string) bool {
	for _, sub := range []string{"cur", "new"} {
		if fi, err := os.Stat(filepath.Join(dir, sub)); err == nil && fi.IsDir() {
			return true
		}
	}
	return false
}

// maildirFiles lists the message files of a Maildir: new/ then cur/, each
// sorted by name (tmp/ holds deliveries in progress and is skipped).
func maildirFiles(dir string) ([]string, error) {
	var files []string
	for _, sub := range []string{"new", "cur"} {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil {
			if os.IsNotExist(err) {
				continue
			}
			return files, err
		}
		names := make([]string, 0, len(entries))
		for _, e := range entries {
			if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
				names = append(names, e.Name())
			}
		}
		sort.Strings(names)
		for _, n := range names {
			files = append(files, filepath.Join(dir, sub, n))
		}
	}
	return files, nil
}

// maildirInfo reads the flags ("unique:2,FRS") and delivery time (the
// leading seconds of the unique name) from a Maildir file name.
func maildirInfo(name string) (flags string, received time.Time) {
	base := filepath.Base(name)
	if i := strings.LastIndex(base, ":2,"); i >= 0 {
		flags = base[i+3:]
	} else if i := strings.LastIndex(base, "!2,"); i >= 0 {
		flags = base[i+3:] // the separator used on file systems without ':'
	}
	if dot := strings.IndexByte(base, '.'); dot > 0 {
		if sec, err := strconv.ParseInt(base[:dot], 10, 64); err == nil && sec > 0 && sec < 1<<33 {
			received = time.Unix(sec, 0).UTC()
		}
	}
	return flags, received
}
