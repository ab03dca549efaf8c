// Package sshdtest helps the tests that run an sshd.Server, its own and the
// chat's end-to-end ones: the server's log as a buffer a test waits on, and
// the wait itself, so that no test sleeps.
package sshdtest

import (
	"bytes"
	"sync"
	"testing"
	"time"
)

// LogBuffer is a server's log, safe to read while the server writes, that
// announces each write.
type LogBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	change chan struct{}
}

// Write appends p and wakes whoever waits on Changed.
func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.change != nil {
		close(l.change)
		l.change = nil
	}
	return l.b.Write(p)
}

// Changed returns a channel closed by the next write.
func (l *LogBuffer) Changed() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.change == nil {
		l.change = make(chan struct{})
	}
	return l.change
}

// String is everything written so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// WaitUntil waits until cond holds, checking it each time changed's channel
// closes, and fails the test if it does not hold within timeout.
func WaitUntil(t testing.TB, what string, timeout time.Duration, changed func() <-chan struct{}, cond func() bool) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		ch := changed()
		if cond() {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
