package sshchat

import (
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"

	"github.com/chatroom/chatroom/sshd"
)

// countingObserver is an Observer that keeps what it is told.
type countingObserver struct {
	mu       sync.Mutex
	sessions map[string]int
	peak     map[string]int // the most sessions of each kind at once
	refused  map[string]int
}

func newCountingObserver() *countingObserver {
	return &countingObserver{sessions: map[string]int{}, peak: map[string]int{}, refused: map[string]int{}}
}

func (r *countingObserver) Sessions(kind string, delta int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sessions[kind] += delta
	r.peak[kind] = max(r.peak[kind], r.sessions[kind])
}

func (r *countingObserver) Refused(reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refused[reason]++
}

func (r *countingObserver) snapshot() (sessions, refused map[string]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.sessions), maps.Clone(r.refused)
}

func observed(obs *countingObserver) serverOption {
	return func(s *setup) { s.Observer = obs }
}

// Full-screen sessions are counted while they run.
func TestObserverCountsFullScreenSessions(t *testing.T) {
	obs := newCountingObserver()
	ts := startServer(t, observed(obs))
	alice := ts.dial("alice")
	bob := ts.dial("bob")
	// A session is counted before its view starts, so before anything
	// shows on its screen.
	alice.waitText("Welcome to chatroom!")
	bob.waitText("Welcome to chatroom!")
	if s, _ := obs.snapshot(); s[sshd.SessionFullScreen] != 2 {
		t.Fatalf("sessions %v with alice and bob in", s)
	}
	bob.close()
	// The server counts a session as open until after its view has
	// ended; waiting for that waits for the observer too.
	ts.waitSessions(1)
	if s, _ := obs.snapshot(); s[sshd.SessionFullScreen] != 1 {
		t.Fatalf("sessions %v after bob left", s)
	}

	// A script's command is a session of its own kind while it runs; a
	// command the chat does not have is a refusal.
	if got := ts.run("bot", newKey(t), "who", ""); got.status != 0 {
		t.Fatalf("who: status %d, stderr %q", got.status, got.stderr)
	}
	ts.run("bot", newKey(t), "ls -la", "")
	ts.waitSessions(1) // the command's session has ended, observer and all
	sessions, refused := obs.snapshot()
	obs.mu.Lock()
	peak := obs.peak[sshd.SessionExec]
	obs.mu.Unlock()
	if sessions[sshd.SessionExec] != 0 || peak != 1 || refused[sshd.RefusedBadCommand] != 1 {
		t.Fatalf("after who and ls: sessions %v, %d exec at most, refused %v", sessions, peak, refused)
	}
}

// Each refused login is counted once, under its reason, however many ways
// the client tries to get in.
func TestObserverCountsLoginRefusals(t *testing.T) {
	obs := newCountingObserver()
	ts := startServer(t, observed(obs), func(c *setup) { c.RequireKey = true })
	ts.refusedLogin("anon", keyless())
	ts.refusedLogin("anon2", keyless())
	ts.refusedLogin(strings.Repeat("x", sshd.MaxUserName+1))
	_, refused := obs.snapshot()
	want := map[string]int{sshd.RefusedKeyRequired: 2, sshd.RefusedUserName: 1}
	if !maps.Equal(refused, want) {
		t.Fatalf("refusals %v, want %v", refused, want)
	}
}

// A session beyond MaxSessions is refused and counted as the server being
// full.
func TestObserverCountsServerFull(t *testing.T) {
	obs := newCountingObserver()
	ts := startServer(t, observed(obs), func(c *setup) { c.MaxSessions = 1 })
	ts.dial("alice").waitText("Welcome to chatroom!")
	carol := ts.dial("carol")
	if err := carol.waitExit(); exitStatus(err) != 1 {
		t.Fatalf("carol's session: %v", err)
	}
	_, refused := obs.snapshot()
	if want := map[string]int{sshd.RefusedServerFull: 1}; !maps.Equal(refused, want) {
		t.Fatalf("refusals %v, want %v", refused, want)
	}
	sessions, _ := obs.snapshot()
	if got := fmt.Sprint(sessions); got != "map[full-screen:1]" {
		t.Fatalf("sessions %s: the refused one was counted", got)
	}
}
