package sshchat

import (
	"errors"
	"strings"
	"testing"

	"github.com/chatroom/chatroom/store/storetest"
)

// The disk fills up mid-session: people can still come in and read, and
// see each other come and go; whoever types a line is told it was not sent
// and keeps it, to send once the server can store it again; the operator
// finds one log line saying why, not one per message.
func TestWritesFailingMidSession(t *testing.T) {
	dir := t.TempDir()
	useDB, _ := withSQLite(t, dir)
	var faulty *storetest.Faulty
	clock := newClock()
	ts := startServerIn(t, dir, useDB, withClock(clock), func(s *setup) {
		faulty = &storetest.Faulty{Store: s.Hub.Store, History: s.Hub.History}
		s.Hub.Store, s.Hub.History = faulty, faulty
	})
	alice := ts.dial("alice")
	bob := ts.dial("bob")
	alice.waitText("→ bob joined")
	alice.say("said before the disk filled")
	bob.waitText("<alice> said before the disk filled")

	const cause = "database or disk is full (13)"
	faulty.FailWrites(errors.New(cause))

	carol := ts.dial("carol")
	carol.waitText("Welcome to chatroom!", "<alice> said before the disk filled", "3 online")
	alice.waitText("→ carol joined")
	bob.waitText("→ carol joined")

	alice.say("words nobody may lose")
	alice.waitText("! not sent: the server cannot store messages right now (disk full?)") // then "try again", wrapped
	alice.waitFor("the line kept in the input", func(string) bool {
		return strings.Contains(alice.inputRow(), "words nobody may lose")
	})

	bob.say("/quit")
	alice.waitLeave(clock, "← bob left (quit)")
	carol.waitText("← bob left (quit)")

	ts.waitLog("store writes failing")
	if n := faulty.Failed(); n < 5 {
		t.Fatalf("only %d writes failed: the test tests less than it says", n)
	}
	logs := ts.logs.String()
	// One line when writes start failing; the clock moved a minute for
	// bob's leave line, so a reminder that they still fail may follow.
	if n := strings.Count(logs, "store writes failing"); n != 1 {
		t.Fatalf("%d log lines about store writes after %d failed writes, want 1:\n%s", n, faulty.Failed(), logs)
	}
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, "store writes failing") && !strings.Contains(line, cause) {
			t.Fatalf("the failure is logged without its cause: %s", line)
		}
	}

	// The disk has room again: Enter sends the kept line, once.
	faulty.FailWrites(nil)
	alice.send("\r")
	carol.waitText("<alice> words nobody may lose")
	alice.waitText("<you> words nobody may lose")
	ts.waitLog("store writes succeed again")
	if n := strings.Count(carol.screen(), "words nobody may lose"); n != 1 {
		t.Fatalf("carol saw the line %d times:\n%s", n, carol.screen())
	}
}
