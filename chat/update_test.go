package chat_test

import (
	"strings"
	"testing"

	. "github.com/chatroom/chatroom/chat"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/store/memory"
)

// changed names the parts of u other than Messages that are set.
func changed(u Update) string {
	var parts []string
	for _, p := range []struct {
		name string
		set  bool
	}{{"rooms", u.RoomsChanged}, {"roster", u.RosterChanged}, {"nick", u.NickChanged}, {"reads", u.ReadsChanged}, {"closed", u.Closed}} {
		if p.set {
			parts = append(parts, p.name)
		}
	}
	return strings.Join(parts, ",")
}

// Update tells each part of a member's state once, when it changed, and
// otherwise only the messages.
func TestUpdateTellsEachPartOnlyWhenItChanged(t *testing.T) {
	h := newHub(t, Options{})
	alice := join(t, h, "alice")

	u := alice.Update()
	if changed(u) != "rooms,roster,nick" || u.Nick != "alice" || u.Current != Lobby || len(u.Rooms) != 1 || len(u.Roster) != 1 {
		t.Fatalf("the first update is %q: %+v", changed(u), u)
	}
	if !strings.Contains(strings.Join(texts(u.Messages, message.Notice), "\n"), "Welcome") {
		t.Fatalf("the first update lacks the welcome: %+v", u.Messages)
	}
	if u := alice.Update(); changed(u) != "" || len(u.Messages) != 0 {
		t.Fatalf("nothing happened, yet the update is %q with %d messages", changed(u), len(u.Messages))
	}

	bob := join(t, h, "bob")
	u = alice.Update()
	if changed(u) != "roster" || len(u.Roster) != 2 || len(texts(u.Messages, message.Join)) != 1 {
		t.Fatalf("after bob came: %q, roster %+v, messages %+v", changed(u), u.Roster, u.Messages)
	}

	submit(t, bob, "hello")
	u = alice.Update()
	if changed(u) != "" || len(texts(u.Messages, message.Chat)) != 1 {
		t.Fatalf("after a line: %q, messages %+v", changed(u), u.Messages)
	}

	submit(t, alice, "/nick al")
	if u = alice.Update(); !u.NickChanged || u.Nick != "al" || !u.RosterChanged || u.Roster[0].Nick != "al" && u.Roster[1].Nick != "al" {
		t.Fatalf("after /nick: %q, nick %q, roster %+v", changed(u), u.Nick, u.Roster)
	}

	submit(t, alice, "/join #go")
	if u = alice.Update(); !u.RoomsChanged || u.Current != "go" || len(u.Rooms) != 2 || !u.RosterChanged || len(u.Roster) != 1 || u.NickChanged {
		t.Fatalf("after /join: %q, current %q, rooms %+v, roster %+v", changed(u), u.Current, u.Rooms, u.Roster)
	}
	// Looking at another room is a change of rooms and roster, though
	// the member is in the same rooms.
	alice.Switch(Lobby, 0)
	if u = alice.Update(); changed(u) != "rooms,roster" || u.Current != Lobby || len(u.Roster) != 2 {
		t.Fatalf("after switching: %q, current %q, roster %+v", changed(u), u.Current, u.Roster)
	}

	// Another device of alice's key reading further.
	desktop := device(t, h, "alice", "al", nil)
	alice.Update()
	submit(t, bob, "read me")
	got := drain(desktop)
	desktop.Read(Lobby, got[len(got)-1].Seq)
	if u = alice.Update(); changed(u) != "reads" {
		t.Fatalf("after reading on another device: %q", changed(u))
	}
	desktop.Leave("quit")

	h.Shutdown()
	select {
	case <-alice.Wake():
	default:
		t.Fatal("closing the member did not wake it")
	}
	if u = alice.Update(); !u.Closed || u.ClosedReason != "server is shutting down" {
		t.Fatalf("after shutdown: %q, reason %q", changed(u), u.ClosedReason)
	}
	if u = alice.Update(); u.Closed {
		t.Fatal("closed was told twice")
	}
}

// A member that leaves by itself is told Closed with no reason.
func TestUpdateAfterLeavingByItself(t *testing.T) {
	h := newHub(t, Options{})
	alice := join(t, h, "alice")
	alice.Update()
	alice.Leave("quit")
	if u := alice.Update(); !u.Closed || u.ClosedReason != "" {
		t.Fatalf("after leaving: closed %v, reason %q", u.Closed, u.ClosedReason)
	}
}

// The hub's texts name no keys: a line-mode session has none. What a
// view may add says Hint.
func TestRejoinNoticesCarryHintsNotKeys(t *testing.T) {
	h := newHub(t, Options{Store: &memory.Store{}})
	alice := join(t, h, "alice")
	submit(t, alice, "/join #go")
	alice.Leave("quit")
	alice = join(t, h, "alice")
	var hinted []message.Message
	for _, msg := range drain(alice) {
		if strings.Contains(msg.Text, "Ctrl+") {
			t.Errorf("a room text names a key: %q", msg.Text)
		}
		if msg.Hint != message.NoHint {
			hinted = append(hinted, msg)
		}
	}
	if len(hinted) != 1 || hinted[0].Hint != message.HintSwitchRooms || hinted[0].Text != "You are back in #go too." {
		t.Fatalf("hinted lines: %+v", hinted)
	}
}

// BenchmarkUpdate is one line reaching a member as Next gives it and as
// Update does: a wake that brings only messages costs the same.
func BenchmarkUpdate(b *testing.B) {
	for _, c := range []struct {
		name string
		read func(m *Member) int
	}{
		{"next", func(m *Member) int { return len(m.Next()) }},
		{"update", func(m *Member) int { return len(m.Update().Messages) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			h := newHub(b, Options{})
			reader, err := h.Join(Identity{Nick: "reader"})
			if err != nil {
				b.Fatal(err)
			}
			poster, err := h.Join(Identity{Nick: "poster"})
			if err != nil {
				b.Fatal(err)
			}
			reader.Update()
			c.read(reader)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if err := poster.Say("a line"); err != nil {
					b.Fatal(err)
				}
				if c.read(reader) != 1 {
					b.Fatal("the line did not arrive")
				}
			}
		})
	}
}
