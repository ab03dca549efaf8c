package sshd

import (
	"io"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// fakeChannel is a session channel for the request filter alone.
type fakeChannel struct {
	gossh.Channel
}

func (fakeChannel) Close() error          { return nil }
func (fakeChannel) Stderr() io.ReadWriter { return nil }

func windowChange(w, h uint32) *gossh.Request {
	return &gossh.Request{Type: "window-change", Payload: gossh.Marshal(struct{ W, H, PW, PH uint32 }{w, h, 0, 0})}
}

// next reads what the filter passes on next.
func next(t *testing.T, out <-chan *gossh.Request) *gossh.Request {
	t.Helper()
	select {
	case r := <-out:
		return r
	case <-time.After(waitTimeout):
		t.Fatal("the filter passed nothing on")
		return nil
	}
}

// Requests a client waits for an answer to are answered in the order they
// came, refusals included: a refusal goes to the session's handler, behind
// the requests before it, as a request it does not know.
func TestRefusalsKeepTheirPlace(t *testing.T) {
	reqs := make(chan *gossh.Request, 4)
	out := filterRequests(fakeChannel{}, reqs, time.Hour)
	defer close(reqs)
	reqs <- &gossh.Request{Type: "pty-req", WantReply: true, Payload: []byte("xterm")}
	reqs <- &gossh.Request{Type: "x11-req", WantReply: true}
	reqs <- &gossh.Request{Type: "auth-agent-req@openssh.com"} // no answer wanted: dropped
	reqs <- &gossh.Request{Type: "shell", WantReply: true}
	var got []string
	for range 3 {
		got = append(got, next(t, out).Type)
	}
	if want := []string{"pty-req", refused, "shell"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("passed on %v, want %v", got, want)
	}
}

// A flood of window changes reaches the session no more often than once
// per resizeEvery, and the last size sent is the one it ends with.
func TestWindowChangesArePaced(t *testing.T) {
	reqs := make(chan *gossh.Request)
	out := filterRequests(fakeChannel{}, reqs, time.Hour)
	defer close(reqs)
	reqs <- &gossh.Request{Type: "pty-req", Payload: []byte("xterm")}
	if r := next(t, out); r.Type != "pty-req" {
		t.Fatalf("first passed on %s", r.Type)
	}
	passed := make(chan *gossh.Request, 1<<16)
	go func() {
		for r := range out {
			passed <- r
		}
	}()
	start := time.Now()
	const sent = 20_000
	for i := 0; i < sent; i++ {
		reqs <- windowChange(uint32(100+i%7), 30)
	}
	final := windowChange(123, 45)
	reqs <- final
	n := 0
	for r := next(t, passed); ; r = next(t, passed) {
		n++
		if r == final {
			break
		}
	}
	elapsed := time.Since(start)
	t.Logf("%d of %d window changes passed on in %s", n, sent+1, elapsed)
	if allowed := int(elapsed/resizeEvery) + 2; n > allowed {
		t.Fatalf("%d window changes passed on in %s; pacing allows %d", n, elapsed, allowed)
	}
}
