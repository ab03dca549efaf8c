package sshchat

import (
	"strings"
	"testing"
	"time"

	"github.com/chatroom/chatroom/fakeclock"
)

// withClock gives the hub a clock the test moves: a leave line waits a
// minute on it for the person to come back.
func withClock(c *fakeclock.Clock) serverOption {
	return func(s *setup) { s.Hub.Now, s.Hub.AfterFunc = c.Now, c.AfterFunc }
}

// newClock is a test clock, started at the real time so that times on
// screen look like today's.
func newClock() *fakeclock.Clock { return fakeclock.New(time.Now()) }

// waitLeave moves the clock past the minute a leave line waits, until c's
// screen shows text: the session may end a moment after the test let go of
// it, and a clock moved before then moves nothing.
func (c *client) waitLeave(clock *fakeclock.Clock, text string) {
	c.t.Helper()
	c.retry("the leave line "+text, func() { clock.Advance(time.Minute) }, func(s string) bool { return strings.Contains(s, text) })
}

// /away shows in /names and the member list, and a private message to the
// person away tells the sender their reason, once.
func TestAwayShowsInNamesAndMemberListAndTellsWritersOnce(t *testing.T) {
	ts := startServer(t)
	dave := ts.dial("dave", withSize(100, 30))
	alice := ts.dial("alice", withSize(100, 30))
	alice.waitText("2 online")
	alice.openPanel()
	dave.say("/away lunch")
	dave.waitText("You are away (lunch)")
	alice.waitText("dave (away)")
	alice.say("/names")
	alice.waitText("dave (away: lunch)")
	alice.say("/msg dave are you there?")
	alice.waitText("dave is away: lunch. They will see it when they are back.")
	alice.say("second line")
	alice.waitText("<you> second line")
	if n := strings.Count(alice.screen(), "dave is away"); n != 1 {
		t.Fatalf("alice was told %d times:\n%s", n, alice.screen())
	}
	dave.say("back from lunch")
	dave.waitText("You are back")
	alice.waitGone("dave (away)")
}

// /quiet hides joins and leaves, and is kept for the key across a
// reconnect.
func TestQuietHidesJoinsAndLeavesAndSurvivesReconnect(t *testing.T) {
	clock := newClock()
	ts := startServer(t, withClock(clock))
	key := newKey(t)
	alice := ts.dial("alice", withKey(key))
	alice.say("/quiet")
	alice.waitText("Quiet on")
	bob := ts.dial("bob")
	alice.waitText("2 online")
	bob.say("/quit")
	alice.waitText("1 online")
	clock.Advance(time.Minute)
	alice.say("/quit")
	ts.waitSessions(0)
	clock.Advance(time.Minute)

	alice = ts.dial("alice", withKey(key))
	carol := ts.dial("carol")
	alice.waitText("2 online")
	carol.say("hello from carol")
	alice.waitText("<carol> hello from carol")
	for _, s := range []string{"bob joined", "bob left", "carol joined"} {
		if strings.Contains(alice.screen(), s) {
			t.Fatalf("quiet alice sees %q:\n%s", s, alice.screen())
		}
	}
	// Quiet is alice's alone: carol sees joins.
	dan := ts.dial("dan")
	dan.waitText("Welcome to chatroom!")
	carol.waitText("→ dan joined")
}

// Someone who drops and comes back within a minute makes no join or
// leave line; gone longer, the leave line comes a minute on.
func TestAReconnectWithinAMinuteShowsNoLine(t *testing.T) {
	clock := newClock()
	ts := startServer(t, withClock(clock))
	key := newKey(t)
	alice := ts.dial("alice")
	bob := ts.dial("bob", withKey(key))
	alice.waitText("→ bob joined", "2 online")
	bob.drop()
	alice.waitText("1 online")
	clock.Advance(30 * time.Second)
	bob = ts.dial("bob", withKey(key))
	alice.waitText("2 online")
	clock.Advance(time.Hour)
	bob.say("I am back")
	alice.waitText("<bob> I am back")
	if s := alice.screen(); strings.Contains(s, "bob left") || strings.Count(s, "bob joined") != 1 {
		t.Fatalf("a reconnect within a minute showed lines:\n%s", s)
	}
	bob.say("/quit")
	alice.waitText("1 online")
	alice.waitLeave(clock, "← bob left (quit)")
}

// A /highlight word makes a line ring for the reader, and counts as for
// them, kept for the key.
func TestHighlightWordRingsForYou(t *testing.T) {
	ts := startServer(t)
	key := newKey(t)
	alice := ts.dial("alice", withKey(key))
	alice.say("/highlight deploy")
	alice.waitText(`Lines with "deploy" now count as for you`)
	alice.close()
	ts.waitSessions(0)
	alice = ts.dial("alice", withKey(key), withSize(60, 20))
	bob := ts.dial("bob")
	alice.waitText("2 online")
	quiet := strings.Count(alice.rawOutput(), "\a")
	bob.say("no redeploy today")
	alice.waitText("<bob> no redeploy today")
	if strings.Count(alice.rawOutput(), "\a") != quiet {
		t.Fatal("a word holding the highlight word rang")
	}
	alice.say("/join #ops")
	alice.waitText("chatroom · #ops")
	bells := strings.Count(alice.rawOutput(), "\a")
	bob.say("the Deploy is done")
	alice.waitText("#lobby <bob> the Deploy is done", "1 for you")
	alice.waitFor("a bell", func(string) bool { return strings.Count(alice.rawOutput(), "\a") > bells })
}
