package sshchat

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/chatroom/chatroom/store/sqlite"
)

const (
	keyCtrlN = "\x0e"
	keyCtrlP = "\x10"
)

// withSQLite keeps the hub's history and state in dir's database, as the
// daemon does. The database closes after the server stops.
func withSQLite(t *testing.T, dir string) (serverOption, func()) {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	closeDB := func() {
		once.Do(func() {
			if err := db.Close(); err != nil {
				t.Errorf("close database: %v", err)
			}
		})
	}
	t.Cleanup(closeDB)
	return func(s *setup) { s.Hub.Store, s.Hub.History = db, db }, closeDB
}

// waitBadge waits until the side panel, opened if need be, shows count
// beside the room labelled label ("" for no count).
func (c *client) waitBadge(label, count string) {
	c.t.Helper()
	c.openPanel()
	re := regexp.MustCompile(`│ ` + regexp.QuoteMeta(label) + `\s*(\d*)\s*$`)
	c.waitFor(fmt.Sprintf("%s with %q unread in the panel", label, count), func(string) bool {
		for _, l := range c.lines() {
			if m := re.FindStringSubmatch(l); m != nil && m[1] == count {
				return true
			}
		}
		return false
	})
}

// neverSaw checks that nothing the server sent c held text.
func (c *client) neverSaw(text string) {
	c.t.Helper()
	if strings.Contains(c.rawOutput(), text) {
		c.t.Fatalf("%s was sent %q", c.name, text)
	}
}

// Rooms keep to themselves; a room one is not looking at counts what is
// new in it, and looking at it clears the count.
func TestRoomsAreIsolatedAndCountUnread(t *testing.T) {
	ts := startServer(t)
	alice, bob, carol := ts.dial("alice"), ts.dial("bob"), ts.dial("carol")
	carol.waitText("3 online")

	alice.say("/join #go")
	alice.waitText(" chatroom · #go", "You made #go")
	alice.say("/topic all about Go")
	alice.waitText(" chatroom · #go · all about Go")
	bob.say("/join #go")
	bob.waitText(" chatroom · #go · all about Go", "Topic: all about Go")

	alice.say("gophers only")
	bob.waitText("<alice> gophers only")
	carol.say("lobby talk")
	carol.say("more lobby talk")
	alice.waitBadge("#lobby", "2")
	bob.waitBadge("#lobby", "2")
	alice.waitGone("lobby talk")
	carol.neverSaw("gophers only")

	alice.send(keyCtrlP)
	alice.waitText(" chatroom · #lobby", "<carol> more lobby talk")
	alice.waitBadge("#lobby", "")
	alice.waitGone("gophers only")
	bob.say("@alice over here")
	alice.waitBadge("#go", "1")
	alice.send(keyCtrlN)
	alice.waitText("<bob> @alice over here")
	alice.waitBadge("#go", "")

	alice.say("/part")
	alice.waitText(" chatroom · #lobby")
	bob.waitText("← alice left")
	alice.say("/rooms")
	alice.waitFor("#go in /rooms", func(s string) bool {
		return regexp.MustCompile(`#go +1 online: all about Go`).MatchString(s)
	})
}

// A direct message reaches its two parties and nobody else.
func TestDirectMessageOnlyItsPartiesSee(t *testing.T) {
	ts := startServer(t)
	alice, bob, carol := ts.dial("alice"), ts.dial("bob"), ts.dial("carol")
	carol.waitText("3 online")

	alice.say("/msg bob the secret plan")
	alice.waitText(" chatroom · @bob · direct messages", "<you> the secret plan")
	bob.waitBadge("@alice", "1")
	bob.send(keyCtrlN)
	bob.waitText(" chatroom · @alice · direct messages", "<alice> the secret plan")
	bob.say("/reply understood")
	alice.waitText("<bob> understood")

	// Carol is sent a later public line, so everything before it has
	// reached her too: the DM never did.
	alice.send(keyCtrlP)
	alice.say("public again")
	carol.waitText("<alice> public again")
	carol.neverSaw("secret plan")
	carol.neverSaw("understood")
	carol.neverSaw("@alice")
	carol.neverSaw("@bob")
}

// A message to someone away waits for them, and they are told of it when
// they come back.
func TestOfflineDirectMessageIsDeliveredOnJoin(t *testing.T) {
	ts := startServer(t)
	bobKey := newKey(t)
	bob := ts.dial("bob", withKey(bobKey))
	bob.waitText("Welcome to chatroom!")
	bob.quitAndWait("/quit")
	alice := ts.dial("alice")
	alice.say("/msg bob call me when you are back")
	alice.waitText("<you> call me when you are back")

	bob = ts.dial("bob", withKey(bobKey))
	bob.waitText("New direct messages while you were away: @alice (1)")
	bob.waitBadge("@alice", "1")
	bob.send(keyCtrlN)
	bob.waitText("<alice> call me when you are back")
	bob.say("/reply back now")
	alice.waitText("<bob> back now")
}

// History lives in the database: after a restart, search finds what was
// said before it, and a returning key finds its rooms and what it missed.
func TestSearchFindsAMessageFromBeforeARestart(t *testing.T) {
	dir := t.TempDir()
	db, closeDB := withSQLite(t, dir)
	first := startServerIn(t, dir, db)
	aliceKey := newKey(t)
	alice := first.dial("alice", withKey(aliceKey))
	bob := first.dial("bob")
	alice.say("/join #ops")
	alice.say("the password is swordfish")
	alice.send(keyCtrlP)
	alice.waitText(" chatroom · #lobby")
	bob.say("/join #ops")
	bob.waitText("<alice> the password is swordfish")
	bob.say("said while alice looked away")
	alice.waitBadge("#ops", "1")
	// Stopped as the daemon stops: everyone's read position is saved.
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := first.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	first.stop()
	closeDB()

	db, _ = withSQLite(t, dir)
	second := startServerIn(t, dir, db)
	carol := second.dial("carol")
	carol.say("/join #ops")
	carol.say("/search SWORDFISH")
	carol.waitText(`1 message matches "SWORDFISH"`, "<alice> the password is swordfish")

	alice = second.dial("alice", withKey(aliceKey))
	alice.waitText("You are back in #ops too")
	alice.waitBadge("#ops", "1")
	alice.send(keyCtrlN)
	alice.waitText("<you> the password is swordfish", "── 1 new ──", "<bob> said while alice looked away")
	scr := alice.screen()
	if strings.Index(scr, "swordfish") > strings.Index(scr, "── 1 new ──") ||
		strings.Index(scr, "── 1 new ──") > strings.Index(scr, "said while alice looked away") {
		t.Fatalf("the marker is not between what alice read and what she missed:\n%s", scr)
	}
}

// A private message to someone looking at another room shows on the
// screen they look at, whatever its size, and Alt+A takes them to it.
func TestPrivateMessageShowsWhereYouLook(t *testing.T) {
	for _, size := range [][2]int{{40, 10}, {80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			ts := startServer(t)
			alice := ts.dial("alice", withSize(size[0], size[1]))
			bob := ts.dial("bob")
			alice.waitText("2 online")
			alice.say("/join #go")
			alice.waitText("You made #go")
			bob.say("/msg alice hi alice, a private question")
			alice.waitText("@bob → you: hi alice")
			alice.send("\x1ba") // Alt+A
			alice.waitText("<bob> hi alice, a private question")
			alice.waitText("chatroom · @bob")
		})
	}
}

// Writing to someone away says that the message waits for them.
func TestWritingToSomeoneAwaySaysSo(t *testing.T) {
	ts := startServer(t)
	dave := ts.dial("dave")
	dave.waitText("Welcome to chatroom!")
	dave.close()
	alice := ts.dial("alice")
	alice.waitText("1 online")
	alice.say("/msg dave see you tomorrow")
	alice.waitText("dave is away; your message will wait")
}
