package sshchat

import (
	"strings"
	"testing"
	"time"

	"github.com/chatroom/chatroom/chat"
)

// One key on two devices: both stay, both show the conversation, a line
// from one is the person's own on the other, and others see one alice.
func TestTwoSessionsWithOneKeyBothStay(t *testing.T) {
	clock := newClock()
	ts := startServer(t, withClock(clock))
	key := newKey(t)
	laptop := ts.dial("alice", withKey(key))
	laptop.waitText("You are alice in #lobby")
	bob := ts.dial("bob")
	laptop.waitText("→ bob joined")
	desktop := ts.dial("alice", withKey(key))
	desktop.waitText("You are alice in #lobby", "also connected from 1 other session", "2 online · alice")

	bob.say("hello alice")
	laptop.waitText("<bob> hello alice")
	desktop.waitText("<bob> hello alice")
	desktop.say("hi from my desktop")
	laptop.waitText("<you> hi from my desktop")
	bob.waitText("<alice> hi from my desktop", "2 online · bob")
	laptop.say("and from my laptop")
	desktop.waitText("<you> and from my laptop")
	bob.waitText("<alice> and from my laptop")

	bob.say("/names")
	bob.waitText("Online in #lobby (2): alice, bob")
	bob.say("/whois alice")
	bob.waitText("on 2 devices")
	if n := strings.Count(bob.screen(), "alice joined"); n != 1 {
		t.Fatalf("bob saw alice join %d times:\n%s", n, bob.screen())
	}
	if strings.Contains(laptop.screen(), "connected again") || strings.Contains(bob.screen(), "alice left") {
		t.Fatalf("a session was closed:\n%s\n%s", laptop.screen(), bob.screen())
	}

	// /nick on one renames both; the last one leaving is a leave.
	desktop.say("/nick alicia")
	bob.waitText("alice is now known as alicia")
	laptop.waitText("2 online · alicia")
	laptop.quitAndWait("/quit")
	ts.waitSessions(2)       // the laptop's session is over
	clock.Advance(time.Hour) // past the minute a leave line waits
	bob.say("still there?")
	desktop.waitText("<bob> still there?")
	if strings.Contains(bob.screen(), "alicia left") {
		t.Fatal("one device of two leaving was announced")
	}
	desktop.say("/quit")
	bob.waitText("1 online · bob")
	bob.waitLeave(clock, "← alicia left (quit)")
}

// Reading a room on one device clears its unread count on the other.
func TestReadingOnOneDeviceClearsTheUnreadCountOnTheOther(t *testing.T) {
	ts := startServer(t)
	key := newKey(t)
	bob := ts.dial("bob")
	bob.say("/join #go")
	bob.waitText("chatroom · #go")
	laptop := ts.dial("alice", withKey(key))
	desktop := ts.dial("alice", withKey(key))
	desktop.waitText("You are alice in #lobby", "also connected from 1 other session")
	laptop.say("/join #go")
	laptop.waitText("chatroom · #go")
	laptop.say("/join #lobby")
	laptop.waitText("chatroom · #lobby")

	bob.say("one")
	bob.say("alice: two")
	bob.say("three")
	desktop.waitText("3 unread, 1 for you")
	laptop.waitText("3 unread, 1 for you")
	laptop.say("/join #go") // reads them on the laptop
	laptop.waitText("<bob> three")
	desktop.waitGone("unread")
}

// A key has at most chat.MaxSessionsPerKey sessions. One more is refused
// while all answer; once one stops answering (a laptop closed), the next
// takes its place, and nobody sees the person leave.
func TestSixthSessionIsRefusedWhileFiveAnswer(t *testing.T) {
	ts := startServer(t, func(c *setup) {
		c.MaxConnsPerAddr, c.NewConnsPerMinute = 30, 100
		c.WriteTimeout = time.Second // the frozen session's last frames
		c.Hub.AliveTimeout = 500 * time.Millisecond
	})
	key := newKey(t)
	bob := ts.dial("bob")
	px := startProxy(t, ts.addr)
	ghost := ts.dial("alice", withKey(key), via(px.addr()))
	ghost.waitText("You are alice in #lobby")
	for range chat.MaxSessionsPerKey - 1 {
		ts.dial("alice", withKey(key)).waitText("You are alice in #lobby")
	}
	ts.waitSessions(1 + chat.MaxSessionsPerKey)

	sixth := ts.dial("alice", withKey(key))
	sixth.waitText("you already have 5 sessions open with this key; close one to open another")
	if err := sixth.waitExit(); exitStatus(err) == 0 {
		t.Fatalf("the refused session ended with %v", err)
	}
	ghost.say("still here")
	bob.waitText("<alice> still here")

	px.freeze() // the laptop lid closes
	next := ts.dial("alice", withKey(key))
	next.waitText("You are alice in #lobby")
	ts.waitLog("replaced by a new session")
	ts.waitSessions(1 + chat.MaxSessionsPerKey)
	next.say("back")
	bob.waitText("<alice> back")
	if n := strings.Count(bob.screen(), "alice joined"); n != 1 || strings.Contains(bob.screen(), "alice left") {
		t.Fatalf("bob saw alice come and go:\n%s", bob.screen())
	}
}
