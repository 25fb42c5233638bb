package interchange

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/partnerhub/partnerhub/internal/apperr"
	"github.com/partnerhub/partnerhub/partners"
)

// DropFolder is a watched directory that trading partners' files are dropped
// into (EXCHANGE_DROP_DIR): Dir/KEY/PROFILE/FILE, where KEY is an API key of
// the receiving organization and PROFILE the id of one of its trading-partner
// profiles. Each file is received on that profile as an upload is (an
// X12 or EDIFACT interchange stored and processed by its job, a CSV or JSON
// file imported as the profile's family), then moved to PROFILE/processed/,
// or, refused, to PROFILE/failed/ with FILE.error.txt saying why. A file
// whose receipt could not be stored (the database away) stays and is tried
// on the next scan; so does one left by a process that stopped between
// storing and moving it, and the exchange recognizes that interchange as a
// duplicate. Names starting with "." are skipped: write a file under such a
// name, then rename it, so that a scan never reads half of it.
type DropFolder struct {
	Dir      string
	Exchange *Service
	// Actor resolves a key folder's name to the actor its files are received
	// as (partners.Service.KeyActor).
	Actor func(ctx context.Context, key string) (*partners.Actor, error)
	// Every is the time between scans (default 5 s).
	Every  time.Duration
	Logger *slog.Logger
	wg     sync.WaitGroup
}

// Start scans the folder until ctx ends; Wait waits for the scans to stop.
func (f *DropFolder) Start(ctx context.Context) {
	every := f.Every
	if every <= 0 {
		every = 5 * time.Second
	}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for {
			if _, err := f.Scan(ctx); err != nil && ctx.Err() == nil {
				f.logger().Error("exchange drop folder", "dir", f.Dir, "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(every):
			}
		}
	}()
}

// Wait blocks until a started folder has stopped scanning.
func (f *DropFolder) Wait() { f.wg.Wait() }

func (f *DropFolder) logger() *slog.Logger {
	if f.Logger != nil {
		return f.Logger
	}
	return slog.Default()
}

func visible(e os.DirEntry) bool { return !strings.HasPrefix(e.Name(), ".") }

// Scan receives every file waiting in the folder once and returns how many
// it moved to processed/ or failed/. A key folder whose key does not sign
// in is logged and left as it is. The first error that leaves a file in
// place (the database) ends the scan.
func (f *DropFolder) Scan(ctx context.Context) (int, error) {
	keys, err := os.ReadDir(f.Dir)
	if err != nil {
		return 0, fmt.Errorf("drop folder: %w", err)
	}
	moved := 0
nextKey:
	for _, k := range keys {
		if !k.IsDir() || !visible(k) {
			continue
		}
		profiles, err := os.ReadDir(filepath.Join(f.Dir, k.Name()))
		if err != nil {
			return moved, fmt.Errorf("drop folder: %w", err)
		}
		var actor *partners.Actor
		for _, p := range profiles {
			id, perr := strconv.ParseInt(p.Name(), 10, 64)
			if !p.IsDir() || perr != nil || id <= 0 {
				continue
			}
			dir := filepath.Join(f.Dir, k.Name(), p.Name())
			files, err := os.ReadDir(dir)
			if err != nil {
				return moved, fmt.Errorf("drop folder: %w", err)
			}
			for _, file := range files {
				if !file.Type().IsRegular() || !visible(file) {
					continue
				}
				if actor == nil {
					if actor, err = f.Actor(ctx, k.Name()); err != nil {
						if _, ok := apperr.As(err); ok {
							// Never the key itself in the log: its prefix.
							f.logger().Warn("exchange drop folder: the key folder's key does not sign in", "key", prefix(k.Name()), "err", err)
							continue nextKey
						}
						return moved, err
					}
				}
				if err := f.receive(ctx, *actor, id, dir, file.Name()); err != nil {
					return moved, err
				}
				moved++
			}
		}
	}
	return moved, nil
}

func prefix(key string) string {
	if len(key) > 12 {
		return key[:12] + "…"
	}
	return key
}

// receive takes one dropped file: received, it moves to processed/; refused
// (an apperr meant for its sender), to failed/ with the reason beside it.
// Any other error leaves it where it is.
func (f *DropFolder) receive(ctx context.Context, a partners.Actor, profile int64, dir, name string) error {
	path := filepath.Join(dir, name)
	fh, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("drop folder: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(fh, MaxBytes+1))
	fh.Close()
	if err != nil {
		return fmt.Errorf("drop folder: %w", err)
	}
	if len(data) > MaxBytes {
		return moveDropped(dir, name, "failed", fmt.Sprintf("file: is larger than %d MiB", MaxBytes>>20))
	}
	rec, err := f.Exchange.ReceiveFile(ctx, a, profile, name, data)
	if err != nil {
		ae, ok := apperr.As(err)
		if !ok || ae.Kind == apperr.Internal {
			return fmt.Errorf("drop folder %s: %w", path, err)
		}
		why := ae.Error()
		if ae.Field != "" {
			why = ae.Field + ": " + why
		}
		return moveDropped(dir, name, "failed", why)
	}
	switch {
	case rec.Interchange != nil:
		f.logger().Info("exchange drop folder: received", "file", path, "interchange", rec.Interchange.ID, "duplicate", rec.Duplicate)
	case rec.Import != nil:
		f.logger().Info("exchange drop folder: importing", "file", path, "import", rec.Import.ID)
	}
	return moveDropped(dir, name, "processed", "")
}

// moveDropped moves dir/name into dir/sub/ (a name taken there gets the
// time in front), with the reason in NAME.error.txt when there is one.
func moveDropped(dir, name, sub, why string) error {
	to := filepath.Join(dir, sub)
	if err := os.MkdirAll(to, 0o700); err != nil {
		return fmt.Errorf("drop folder: %w", err)
	}
	target := filepath.Join(to, name)
	if _, err := os.Lstat(target); err == nil {
		target = filepath.Join(to, time.Now().UTC().Format("20060102T150405.000000000")+"-"+name)
	}
	if why != "" {
		if err := os.WriteFile(target+".error.txt", []byte(why+"\n"), 0o600); err != nil {
			return fmt.Errorf("drop folder: %w", err)
		}
	}
	if err := os.Rename(filepath.Join(dir, name), target); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil // another scan moved it
		}
		return fmt.Errorf("drop folder: %w", err)
	}
	return nil
}
