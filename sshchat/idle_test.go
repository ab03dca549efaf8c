package sshchat

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// goroutineStacks is the stack of every goroutine in the process.
func goroutineStacks() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Split(string(buf[:n]), "\n\n")
		}
		buf = make([]byte, 2*len(buf))
	}
}

// An idle session is parked: no goroutine of it waits on a clock (a
// keepalive loop, a renderer ticker, an input reader's escape timer); the
// keepalive is a timer that exists only between its firings, not a
// goroutine, and the session's goroutines are the few that wait for
// something to happen.
func TestIdleSessionWaitsOnNoClock(t *testing.T) {
	ts := startServer(t, func(c *setup) { c.KeepaliveInterval = time.Hour })
	alice := ts.dial("alice")
	alice.waitText("Welcome to chatroom!")
	alice.send("\x1b[A") // a key through the input decoder
	for _, g := range goroutineStacks() {
		for _, what := range []string{"keepAlive", "time.Sleep", "bubbletea", "ultraviolet.(*TerminalReader)", "sshd.(*escTimer)"} {
			if strings.Contains(g, what) {
				t.Errorf("an idle session has a goroutine in %s:\n%s", what, g)
			}
		}
	}
}
