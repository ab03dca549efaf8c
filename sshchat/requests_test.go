package sshchat

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/chatroom/chatroom/sshd"
)

// A client that stops reading and floods window changes while its output
// is blocked is still cut off like any stuck client: nothing on the path
// from the ssh connection to the view may wait on a view that waits on the
// client. It leaves the room, frees its session slot and is logged.
func TestWindowChangeFloodFromStuckClient(t *testing.T) {
	ts := startServer(t, func(c *setup) { c.WriteTimeout = 300 * time.Millisecond; c.MaxSessions = 2 })
	stuck := ts.dial("stuck", withSize(200, 60))
	stuck.waitText("Welcome to chatroom!")
	stuck.freeze()
	flooding := make(chan struct{})
	go func() {
		defer close(flooding)
		for i := 0; ; i++ {
			// Returns an error once the connection is closed.
			if err := stuck.sess.WindowChange(60-i%2, 200-i%3); err != nil {
				return
			}
		}
	}()
	bob := ts.dial("bob")
	bob.waitText("2 online")

	start := time.Now()
	posted := postUntilGone(t, ts, bob, "stuck")
	t.Logf("cut off after %d messages, %s", posted, time.Since(start))
	ts.waitLog("nick=stuck reason=\"timed out: client stopped reading\"")
	ts.waitSessions(1)
	select {
	case <-flooding:
	case <-time.After(waitTimeout):
		t.Fatal("the flooding client's connection was never closed")
	}
	// The slot is free again: with at most 2 sessions, a third person gets in.
	ts.dial("carol").waitText("Welcome to chatroom!")
}

// However many environment variables a client sends, on however many
// sessions, the server keeps only the few the chat reads, each once and
// short: a client cannot make it hold memory by sending them.
func TestEnvRequestsAreBounded(t *testing.T) {
	ts := startServer(t)
	conn := ts.connect("envy")
	heapBefore := liveHeap()
	big := strings.Repeat("x", 30<<10)
	const perSession = 1000
	var sessions []*gossh.Session
	for i := 0; i < sshd.MaxSessionsPerConn; i++ {
		sess, err := conn.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, sess)
		for j := 0; j < perSession; j++ {
			name := fmt.Sprintf("VAR%d", j)
			if j%2 == 0 {
				name = "LANG" // kept once, however often sent
			}
			env := gossh.Marshal(struct{ Name, Value string }{name, big})
			if _, err := sess.SendRequest("env", false, env); err != nil {
				t.Fatal(err)
			}
		}
		// Requests are answered in order: once this one is, the server
		// has decided every one before it.
		if err := sess.Setenv("TZ", "Asia/Kolkata"); err != nil {
			t.Fatalf("a short TZ was refused: %v", err)
		}
		if err := sess.Setenv("TZ", "America/New_York"); err == nil {
			t.Fatal("a second TZ was accepted")
		}
	}
	grown := int64(liveHeap()) - int64(heapBefore)
	t.Logf("the heap grew by %d KiB for %d env requests of 30 KiB", grown>>10, sshd.MaxSessionsPerConn*perSession)
	if grown > 8<<20 {
		t.Fatalf("the server holds %d MiB after %d env requests of 30 KiB", grown>>20, sshd.MaxSessionsPerConn*perSession)
	}
	// What was kept still works: the shell runs with the time zone sent.
	ts.attach("envy", sessions[0]).waitOwnLineInIndia("what time is it?")
}

// A session channel that asks for something refused (sftp) and then
// nothing is closed like one that asks for nothing.
func TestRefusedSubsystemThenNothingIsClosed(t *testing.T) {
	ts := startServer(t, func(c *setup) { c.ShellTimeout = 300 * time.Millisecond })
	conn := ts.connect("idler")
	ch, reqs, err := conn.OpenChannel("session", nil)
	if err != nil {
		t.Fatal(err)
	}
	go gossh.DiscardRequests(reqs)
	ok, err := ch.SendRequest("subsystem", true, gossh.Marshal(struct{ Name string }{"sftp"}))
	if err != nil || ok {
		t.Fatalf("sftp: ok=%v err=%v, want a refusal", ok, err)
	}
	closed := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, ch)
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(waitTimeout):
		t.Fatal("a session channel that asked only for sftp stayed open")
	}
}

// However a client sends its data, and whether or not its session reads
// it yet, the server holds at most a little of it: a flood of one-byte
// packets on a session that never starts a shell costs next to nothing.
func TestUnreadInputIsBounded(t *testing.T) {
	ts := startServer(t)
	conn := ts.connect("flood")
	before := liveHeap()
	const packets = 200_000
	var sessions []*gossh.Session
	for i := 0; i < sshd.MaxSessionsPerConn; i++ {
		sess, err := conn.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, sess)
		stdin, err := sess.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		for j := 0; j < packets; j++ {
			if _, err := stdin.Write([]byte{'x'}); err != nil {
				t.Fatal(err)
			}
		}
		// Data and requests are taken in order: once this is answered,
		// every packet before it has arrived.
		if err := sess.Setenv("TZ", "UTC"); err != nil {
			t.Fatal(err)
		}
	}
	grown := int64(liveHeap()) - int64(before)
	t.Logf("the heap grew by %d KiB for %d one-byte packets on each of %d sessions", grown>>10, packets, len(sessions))
	if grown > 4<<20 {
		t.Fatalf("the server holds %d MiB of unread one-byte packets", grown>>20)
	}
}

// Keys sent far faster than the view takes them (a file pasted into a
// terminal without bracketed paste) are dropped beyond a bound, and the
// person is told; the session goes on.
func TestInputFloodIsDroppedAndToldAbout(t *testing.T) {
	ts := startServer(t)
	bob := ts.dial("bob")
	bob.waitText("Welcome to chatroom!")
	bob.send(strings.Repeat("abcdefgh", 64<<10)) // 512 KiB of keys at once
	bob.waitText("bytes you sent were dropped")
	// The keys kept are still being taken, and keys sent meanwhile are
	// dropped too: clear the input until it is empty.
	bob.retry("the input to empty", func() { bob.send(keyCtrlU()) },
		func(string) bool { return strings.Contains(bob.inputRow(), "Type a message") })
	bob.say("still here")
	bob.waitText("<you> still here")
}
