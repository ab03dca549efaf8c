// Package sanction holds the bans and mutes in force and the words for
// them. The list has a lock of its own: it is read on every connection and
// every line, and must never wait on the hub's lock or the disk.
package sanction

import (
	"encoding/base64"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/chatroom/chatroom/humantime"
	"github.com/chatroom/chatroom/store"
)

// List is the bans and mutes known, by kind and target, expired ones
// included until they are lifted. The zero List is empty and ready.
type List struct {
	mu sync.RWMutex
	by map[store.SanctionKind]map[string]store.Sanction
}

// NewList returns a list holding all (as read from the store).
func NewList(all []store.Sanction) *List {
	l := &List{}
	for _, s := range all {
		l.Put(s)
	}
	return l
}

// Find returns an active sanction of kind on key or addr. Without a key, a
// ban of a key that was at addr counts too: dropping the key is no way
// round it.
func (l *List) Find(kind store.SanctionKind, key, addr string, now time.Time) (store.Sanction, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	for _, target := range []string{key, addr} {
		if target == "" {
			continue
		}
		if s, ok := l.by[kind][target]; ok && s.Active(now) {
			return s, true
		}
	}
	if key == "" && addr != "" {
		for _, s := range l.by[kind] {
			if s.Addr == addr && s.Active(now) {
				return s, true
			}
		}
	}
	return store.Sanction{}, false
}

// Get returns the sanction of kind on target, active or not.
func (l *List) Get(kind store.SanctionKind, target string) (store.Sanction, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	s, ok := l.by[kind][target]
	return s, ok
}

// Put adds s, replacing one of the same kind and target.
func (l *List) Put(s store.Sanction) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.by == nil {
		l.by = map[store.SanctionKind]map[string]store.Sanction{}
	}
	if l.by[s.Kind] == nil {
		l.by[s.Kind] = map[string]store.Sanction{}
	}
	l.by[s.Kind][s.Target] = s
}

// Delete removes the sanction of kind on target.
func (l *List) Delete(kind store.SanctionKind, target string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.by[kind], target)
}

// Active returns the sanctions of kind in force at now, matching keep (nil
// keeps all), sorted by target.
func (l *List) Active(kind store.SanctionKind, now time.Time, keep func(store.Sanction) bool) []store.Sanction {
	l.mu.RLock()
	defer l.mu.RUnlock()
	var out []store.Sanction
	for _, target := range slices.Sorted(maps.Keys(l.by[kind])) {
		s := l.by[kind][target]
		if s.Active(now) && (keep == nil || keep(s)) {
			out = append(out, s)
		}
	}
	return out
}

// Describe says how long s lasts, " until 2026-11-25 14:05 UTC (9m from
// now)" or " permanently", with by whom and why: the tail of a sentence
// such as "you are muted".
func Describe(s store.Sanction, now time.Time) string {
	var b strings.Builder
	if s.Until.IsZero() {
		b.WriteString(" permanently")
	} else {
		fmt.Fprintf(&b, " until %s (%s from now)", s.Until.UTC().Format("2006-01-02 15:04 MST"), humantime.Format(s.Until.Sub(now)))
	}
	if s.By != "" {
		fmt.Fprintf(&b, " by %s", s.By)
	}
	if s.Reason != "" {
		fmt.Fprintf(&b, ": %s", s.Reason)
	}
	return b.String()
}

// Refusal is what a banned person is told when they try to connect.
func Refusal(s store.Sanction, now time.Time) string {
	what := "this key is"
	if !s.TargetIsKey() {
		what = "your address is"
	}
	return fmt.Sprintf("you cannot join: %s banned%s", what, Describe(s, now))
}

// Past is the kind as a past participle: "banned", "muted".
func Past(k store.SanctionKind) string {
	if k == store.Mute {
		return "muted"
	}
	return "banned"
}

// Lasting is how long a sanction of duration d lasts, for logs: "2h", or
// "permanent" for none.
func Lasting(d time.Duration) string {
	if d == 0 {
		return "permanent"
	}
	return humantime.Format(d)
}

// ForHowLong ends a sentence about a sanction of duration d: " for 2h",
// " permanently".
func ForHowLong(d time.Duration) string {
	if d == 0 {
		return " permanently"
	}
	return " for " + humantime.Format(d)
}

// fingerprintPattern is ssh's SHA256 fingerprint: SHA256: and 43 base64
// characters.
var fingerprintPattern = regexp.MustCompile(`^SHA256:[A-Za-z0-9+/]{43}$`)

// ValidFingerprint reports whether s is a key fingerprint as ssh prints
// it, so that a typo is not taken for a key nobody has.
func ValidFingerprint(s string) bool {
	if !fingerprintPattern.MatchString(s) {
		return false
	}
	_, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(s, "SHA256:"))
	return err == nil
}
