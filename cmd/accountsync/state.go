package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	acsync "github.com/accountsync/accountsync/sync"
)

// state is the state directory. It holds:
//
//	lock                  held while a command changes anything
//	last-plan.json        the plan "accountsync plan" saved last
//	history/SERVER.json   hysteresis counts (Plan.SeenMissing) when billing is WHMCS
//	journal.jsonl         every action applied, for the periodic report (90 days)
//	report.json           when the last report was sent
//
// The SQLite billing store keeps hysteresis counts itself.
type state struct {
	dir string
	mu  sync.Mutex // serialises journal appends
}

// stateDir returns the state directory: flag, else $XDG_STATE_HOME/
// accountsync, else ~/.local/state/accountsync.
func stateDir(e *env, flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if v, ok := e.lookup("XDG_STATE_HOME"); ok && filepath.IsAbs(v) {
		return filepath.Join(v, "accountsync"), nil
	}
	home, ok := e.lookup("HOME")
	if !ok || home == "" {
		return "", refused("no state directory: set -state DIR (or HOME or XDG_STATE_HOME)")
	}
	return filepath.Join(home, ".local", "state", "accountsync"), nil
}

func openState(e *env, flag string) (*state, error) {
	dir, err := stateDir(e, flag)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "history"), 0o700); err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	return &state{dir: dir}, nil
}

func (s *state) path(name string) string { return filepath.Join(s.dir, name) }

// errLocked is returned when another accountsync holds the lock.
var errLocked = errors.New("state is locked")

// lock takes the state lock, or fails at once naming who holds it: two
// runs at once would apply one plan twice and count hysteresis twice.
func (s *state) lock() (unlock func(), err error) {
	f, err := os.OpenFile(s.path("lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := lockFile(f); err != nil {
		holder, _ := os.ReadFile(s.path("lock"))
		f.Close()
		who := strings.TrimSpace(string(holder))
		if who == "" {
			who = "another process"
		}
		return nil, &exitError{code: exitFailed, err: fmt.Errorf("%w: %s holds %s; try again when it is done", errLocked, who, s.path("lock"))}
	}
	f.Truncate(0)
	fmt.Fprintf(f, "accountsync pid %d since %s\n", os.Getpid(), time.Now().UTC().Format(time.RFC3339))
	return func() {
		f.Truncate(0)
		unlockFile(f)
		f.Close()
	}, nil
}

// writeFile writes data atomically: a reader sees the old or the new file.
func writeFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// history is the hysteresis history of one server in a file.
type history struct{ path string }

func (s *state) history(server string) *history {
	return &history{path: filepath.Join(s.dir, "history", url.PathEscape(server)+".json")}
}

func (h *history) SeenMissing(context.Context) (map[string]int, error) {
	data, err := os.ReadFile(h.path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]int{}, nil
	}
	if err != nil {
		return nil, err
	}
	var seen map[string]int
	if err := json.Unmarshal(data, &seen); err != nil {
		return nil, fmt.Errorf("hysteresis history %s: %w", h.path, err)
	}
	return seen, nil
}

func (h *history) SaveSeenMissing(_ context.Context, seen map[string]int) error {
	if seen == nil {
		seen = map[string]int{}
	}
	data, err := json.MarshalIndent(seen, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(h.path, data)
}

// journalEntry is one line of the local sync log.
type journalEntry struct {
	Server string `json:"server"`
	acsync.Entry
}

// journal records a server's entries in the local sync log.
type journal struct {
	s      *state
	server string
}

func (s *state) journal(server string) journal { return journal{s, server} }

func (j journal) Record(_ context.Context, e acsync.Entry) error {
	line, err := json.Marshal(journalEntry{Server: j.server, Entry: e})
	if err != nil {
		return err
	}
	j.s.mu.Lock()
	defer j.s.mu.Unlock()
	f, err := os.OpenFile(j.s.path("journal.jsonl"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// entries returns the local sync log since t.
func (s *state) entries(since time.Time) ([]journalEntry, error) {
	f, err := os.Open(s.path("journal.jsonl"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []journalEntry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		var e journalEntry
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue // a line cut by a crash
		}
		if !e.Time.Before(since) {
			out = append(out, e)
		}
	}
	return out, sc.Err()
}

// journalKeep is how long the local sync log keeps an entry.
const journalKeep = 90 * 24 * time.Hour

// pruneJournal drops the entries older than journalKeep, so that the log
// does not grow without end.
func (s *state) pruneJournal(now time.Time) error {
	keep, err := s.entries(now.Add(-journalKeep))
	if err != nil {
		return err
	}
	var b bytes.Buffer
	for _, e := range keep {
		line, err := json.Marshal(e)
		if err != nil {
			return err
		}
		b.Write(append(line, '\n'))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return writeFile(s.path("journal.jsonl"), b.Bytes())
}

// lastReport returns when the last report was sent.
func (s *state) lastReport() (time.Time, bool) {
	data, err := os.ReadFile(s.path("report.json"))
	if err != nil {
		return time.Time{}, false
	}
	var v struct {
		Sent time.Time `json:"sent"`
	}
	if json.Unmarshal(data, &v) != nil || v.Sent.IsZero() {
		return time.Time{}, false
	}
	return v.Sent, true
}

func (s *state) setLastReport(t time.Time) error {
	data, _ := json.Marshal(map[string]time.Time{"sent": t.UTC()})
	return writeFile(s.path("report.json"), data)
}
