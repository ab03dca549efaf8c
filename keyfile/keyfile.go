// Package keyfile keeps a set of public keys read from an authorized_keys
// file (the format OpenSSH uses) current while the daemon runs: it re-reads
// the file when it changes on disk (on every OS) and when asked (on SIGHUP,
// where there is one).
package keyfile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
	gossh "golang.org/x/crypto/ssh"

	"github.com/chatroom/chatroom/textfile"
)

// Set is the keys of one authorized_keys file, by SHA256 fingerprint.
type Set struct {
	path   string
	loaded bool // Load succeeded; set before the set is shared

	mu   sync.RWMutex
	keys map[string]string // fingerprint -> comment
}

// Load reads path. A file that cannot be read is an error, and so is one
// saved as UTF-16 (a *textfile.EncodingError); a line that is not a key is
// skipped and reported in skipped, as sshd does. A UTF-8 byte order mark
// and CRLF line ends, as Windows editors write, are read as text.
func Load(path string) (s *Set, skipped []string, err error) {
	s = &Set{path: path}
	skipped, err = s.Reload()
	if err != nil {
		return nil, nil, err
	}
	s.loaded = true
	return s, skipped, nil
}

// Reload re-reads the file. A file that is gone holds no keys: removing an
// allowlist or an operators file must take access away, not keep it. On
// any other error the keys read last time stay.
func (s *Set) Reload() (skipped []string, err error) {
	text, err := textfile.Read(s.path)
	if errors.Is(err, fs.ErrNotExist) && s.loaded {
		s.mu.Lock()
		s.keys = map[string]string{}
		s.mu.Unlock()
		return []string{s.path + " is gone: it now holds no keys"}, nil
	}
	if err != nil {
		// Both os and textfile errors name the file.
		return nil, fmt.Errorf("read key file: %w", err)
	}
	keys := map[string]string{}
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, comment, _, _, err := gossh.ParseAuthorizedKey([]byte(line))
		if err != nil {
			skipped = append(skipped, fmt.Sprintf("%s:%d: not a public key, skipped", s.path, n+1))
			continue
		}
		keys[gossh.FingerprintSHA256(key)] = comment
	}
	s.mu.Lock()
	s.keys = keys
	s.mu.Unlock()
	return skipped, nil
}

// Contains reports whether the key with fingerprint fp is in the file.
func (s *Set) Contains(fp string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, ok := s.keys[fp]
	return ok
}

// IsOperator is Contains, so a Set can name the operators.
func (s *Set) IsOperator(fp string) bool { return s.Contains(fp) }

// Len returns how many keys the file holds.
func (s *Set) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.keys)
}

// Path returns the file's path.
func (s *Set) Path() string { return s.path }

// settle is how long the file must stay unchanged before it is re-read, so
// that a save in several writes is read once, whole.
const settle = 200 * time.Millisecond

// Watch reloads the set whenever the file is written, replaced, renamed
// into place or removed, until ctx ends; reloaded is called after each
// attempt. It watches the folder, not the file, because editors save by
// replacing it. done closes once the watch has ended and let go of the
// folder (on Windows an open watch keeps the folder from being removed).
func (s *Set) Watch(ctx context.Context, reloaded func(skipped []string, err error)) (done <-chan struct{}, err error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", s.path, err)
	}
	dir := filepath.Dir(s.path)
	if err := w.Add(dir); err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("watch %s: %w", dir, err)
	}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		defer w.Close()
		// Every event is for a name in dir. The name is compared without
		// case: on Windows (and macOS) --ops C:\chat\OPS.txt names ops.txt,
		// and the events carry the name as it is on disk. On a file system
		// that tells case apart, a sibling differing only in case costs a
		// harmless re-read.
		name := filepath.Base(s.path)
		quiet := time.NewTimer(time.Hour)
		quiet.Stop()
		defer quiet.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				if strings.EqualFold(filepath.Base(ev.Name), name) {
					quiet.Reset(settle)
				}
			case <-quiet.C:
				skipped, err := s.Reload()
				reloaded(skipped, err)
			case err, ok := <-w.Errors:
				if !ok {
					return
				}
				reloaded(nil, fmt.Errorf("watch %s: %w", s.path, err))
			}
		}
	}()
	return stopped, nil
}
