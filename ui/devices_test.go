package ui

import "testing"

// What the reader has read on one device is not unread on another: the
// counts of a room drop, on the other device's next wake.
func TestReadingOnOneDeviceClearsUnreadOnAnother(t *testing.T) {
	h := newHub()
	bob := newSession(t, h, "bob", 80, 24)
	laptop := newSession(t, h, "alice", 80, 24)
	desktop := newSession(t, h, "alice", 80, 24)
	bob.say("/join #go")
	laptop.say("/join #go")
	laptop.say("/join #lobby")
	bob.sync()
	desktop.sync()
	if desktop.m.cur.name != "lobby" {
		t.Fatalf("the desktop looks at %q", desktop.m.cur.name)
	}

	bob.say("one")
	bob.say("alice: two")
	bob.say("three")
	desktop.sync()
	laptop.sync()
	if v := desktop.m.views["go"]; v.unread != 3 || v.mentions != 1 {
		t.Fatalf("the desktop counts %d unread, %d for you; want 3 and 1", v.unread, v.mentions)
	}
	laptop.say("/join #go") // reads it there
	desktop.sync()
	if v := desktop.m.views["go"]; v.unread != 0 || v.mentions != 0 {
		t.Fatalf("after reading on the laptop the desktop counts %d unread, %d for you", v.unread, v.mentions)
	}

	// A line the laptop reads live: the desktop may count it first, then
	// drops it.
	bob.say("four")
	desktop.sync()
	if v := desktop.m.views["go"]; v.unread != 1 {
		t.Fatalf("the desktop counts %d unread, want 1", v.unread)
	}
	laptop.sync()
	desktop.sync()
	if v := desktop.m.views["go"]; v.unread != 0 {
		t.Fatalf("the desktop still counts %d unread", v.unread)
	}
	// Read first, pulled after: never counted.
	bob.say("five")
	laptop.sync()
	desktop.sync()
	if v := desktop.m.views["go"]; v.unread != 0 {
		t.Fatalf("a line read on the laptop counts %d unread on the desktop", v.unread)
	}
	// Unread past what the laptop read stays unread.
	laptop.say("/join #lobby")
	bob.say("six")
	laptop.sync()
	desktop.sync()
	if v := desktop.m.views["go"]; v.unread != 1 {
		t.Fatalf("the desktop counts %d unread, want 1", v.unread)
	}
}
