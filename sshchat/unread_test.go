package sshchat

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/chat/command"
)

// rowOf is the screen row holding text, -1 if none does.
func (c *client) rowOf(text string) int {
	for i, l := range c.lines() {
		if strings.Contains(l, text) {
			return i
		}
	}
	return -1
}

// poster joins the server's hub in process, to say many lines quickly.
func (ts *testServer) poster(nick string) *chat.Member {
	ts.t.Helper()
	m, err := ts.hub.Join(chat.Identity{Key: "SHA256:" + nick, Nick: nick, Addr: "127.0.0.1:1"})
	if err != nil {
		ts.t.Fatal(err)
	}
	ts.t.Cleanup(func() { m.Leave("done") })
	return m
}

// say posts lines in the room m looks at.
func say(t *testing.T, m *chat.Member, format string, from, to int) {
	t.Helper()
	for i := from; i <= to; i++ {
		if err := m.Say(fmt.Sprintf(format, i)); err != nil {
			t.Fatal(err)
		}
	}
}

// markerAtTop waits until the marker is the first row of the message area
// and the first unread line the row below it.
func (c *client) markerAtTop(marker, first string) {
	c.t.Helper()
	c.waitFor(fmt.Sprintf("%q on row 1 and %q on row 2", marker, first), func(string) bool {
		return c.rowOf(marker) == 1 && c.rowOf(first) == 2
	})
}

// Switching to a room with 28 unread puts a marker above the first of
// them, and opens the room there: 28 do not fit, so from the marker down.
func TestSwitchingToAnUnreadRoomShowsTheMarker(t *testing.T) {
	ts := startServer(t)
	alice := ts.dial("alice")
	bob := ts.poster("bob")
	alice.say("/join #go")
	alice.waitText("You made #go")
	if _, err := command.Submit(bob, "/join #go"); err != nil {
		t.Fatal(err)
	}
	say(t, bob, "read by alice %d", 1, 1)
	alice.waitText("<bob> read by alice 1")
	alice.send(keyCtrlP)
	alice.waitText(" chatroom · #lobby")
	say(t, bob, "unread %02d", 1, 28)
	alice.waitText("28 unread (Ctrl+N)")
	alice.send(keyCtrlN)
	alice.markerAtTop("── 28 new ──", "<bob> unread 01")
	alice.waitText("scrolled up · End to jump back")
	alice.send(keyEnd)
	alice.waitText("<bob> unread 28")
	// Read to the end, the marker stays while alice is here: Alt+U.
	alice.send("\x1bu")
	alice.markerAtTop("── 28 new ──", "<bob> unread 01")
}

// Coming back to a room with 40 new messages says how many and shows the
// marker above the first of them.
func TestReconnectingShowsTheCountAndTheMarker(t *testing.T) {
	ts := startServer(t)
	key := newKey(t)
	alice := ts.dial("alice", withKey(key))
	bob := ts.poster("bob")
	say(t, bob, "read by alice %d", 1, 1)
	alice.waitText("<bob> read by alice 1")
	alice.quitAndWait(keyCtrlC)
	ts.waitSessions(0)
	say(t, bob, "missed %02d", 1, 40)
	alice = ts.dial("alice", withKey(key))
	alice.markerAtTop("── 40 new ──", "<bob> missed 01")
	alice.send(keyEnd)
	alice.waitText("<bob> missed 40")
	alice.waitGone("── 40 new ──")
}

// Coming back after more was said than the backlog shows: the count says
// all of it, and the marker moves to the real first unread once PgUp has
// loaded the older page it is in.
func TestMarkerLandsAtTheRealPlaceAfterOlderPagesLoad(t *testing.T) {
	ts := startServer(t)
	key := newKey(t)
	alice := ts.dial("alice", withKey(key))
	bob := ts.poster("bob")
	say(t, bob, "read by alice %d", 1, 1)
	alice.waitText("<bob> read by alice 1")
	alice.quitAndWait(keyCtrlC)
	ts.waitSessions(0)
	say(t, bob, "missed %03d", 1, 282)
	alice = ts.dial("alice", withKey(key))
	alice.waitFor("the marker at the top, saying the first are above", func(string) bool {
		return alice.rowOf("── 282 new; the first are above: PgUp loads them") == 1
	})
	alice.retry("the marker at its real place", func() { alice.send(keyPgUp) }, func(string) bool {
		m := alice.rowOf("── 282 new ──")
		return m > 0 && alice.rowOf("<bob> missed 001") == m+1
	})
}

// /search with 300 matches says 300, shows the newest page with its
// header on screen, and /search alone shows the page before.
func TestSearchCountsAllPagesBackAndKeepsItsHeader(t *testing.T) {
	ts := startServer(t)
	alice := ts.dial("alice", withSize(80, 20))
	bob := ts.poster("bob")
	for i := 1; i <= 450; i++ {
		text := fmt.Sprintf("line %d", i)
		if i%3 != 0 {
			text = fmt.Sprintf("fox %d", i)
		}
		if err := bob.Say(text); err != nil {
			t.Fatal(err)
		}
	}
	alice.waitText("<bob> line 450")
	alice.say("/search fox")
	alice.waitFor("the header on the first row", func(string) bool {
		return alice.rowOf(`300 messages match "fox"; newest 1-20 (/search alone shows 21-40):`) == 1 &&
			alice.rowOf("<bob> fox 449") == 2
	})
	alice.send(keyEnd)
	alice.waitText("<bob> fox 421")
	alice.say("/search")
	alice.waitFor("the second page's header on the first row", func(string) bool {
		return alice.rowOf(`300 messages match "fox"; 21-40 (/search alone shows 41-60):`) == 1 &&
			alice.rowOf("<bob> fox 419") == 2
	})
}
