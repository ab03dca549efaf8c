package chat_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	. "github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/store/memory"

	"github.com/chatroom/chatroom/chat/message"
)

// A script's session (Identity.Unannounced) is not someone arriving: no
// join or leave line, no place in the roster or the people counts, no
// room made the key's; what it says shows under its nick.
func TestUnannouncedSessionPostsNoJoinOrLeave(t *testing.T) {
	clock := newFakeClock()
	h := newHub(t, Options{Now: clock.Now, AfterFunc: clock.AfterFunc})
	alice := join(t, h, "alice")
	submit(t, alice, "/join #go")
	drain(alice)

	bot, err := h.Join(Identity{Key: key("bot"), Nick: "bot", Addr: "127.0.0.1:2", Unannounced: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := bot.Enter("#go"); err != nil {
		t.Fatal(err)
	}
	if err := bot.SayIn("go", "build passed"); err != nil {
		t.Fatal(err)
	}
	got := drain(alice)
	if len(got) != 1 || got[0].Kind != message.Chat || got[0].Nick != "bot" || got[0].Text != "build passed" {
		t.Fatalf("alice saw %+v, want only the bot's line", got)
	}
	r, err := h.Room("go")
	if err != nil {
		t.Fatal(err)
	}
	if online := r.Online(); len(online) != 1 || online[0].Nick != "alice" {
		t.Fatalf("#go online = %+v, want alice alone", online)
	}
	bot.Leave("done")
	clock.Advance(ReconnectGrace)
	if got := drain(alice); len(got) != 0 {
		t.Fatalf("alice saw %+v after the bot left, want nothing", got)
	}
	// The room is not the bot key's: a person with that key later is
	// not put back in it.
	person := join(t, h, "bot")
	rooms, _ := person.Rooms()
	if len(rooms) != 1 || rooms[0].Name != Lobby {
		t.Fatalf("the bot's key came back to %+v, want the lobby alone", rooms)
	}
	for _, msg := range drain(alice) {
		if msg.Room == "go" {
			t.Fatalf("alice saw %+v in #go, which the bot's key is not in", msg)
		}
	}
}

// A person arriving while a script of the same key runs is news; the
// script does not count as them being here.
func TestPersonJoiningBesideTheirScriptIsAnnounced(t *testing.T) {
	h := newHub(t, Options{})
	alice := join(t, h, "alice")
	drain(alice)
	bot, err := h.Join(Identity{Key: key("bob"), Nick: "bob", Addr: "127.0.0.1:2", Unannounced: true})
	if err != nil {
		t.Fatal(err)
	}
	defer bot.Leave("done")
	bob := join(t, h, "bob")
	defer bob.Leave("quit")
	if got := texts(drain(alice), message.Join); len(got) != 1 {
		t.Fatalf("alice saw %d joins, want bob's", len(got))
	}
	if online := mustLobby(t, h).Online(); len(online) != 2 {
		t.Fatalf("lobby online = %+v, want alice and bob", online)
	}
}

// Enter never makes a room, keeps invite-only rooms shut, and Find reads
// the room's messages.
func TestEnterAndFind(t *testing.T) {
	st := &memory.Store{}
	h := newHub(t, Options{Now: time.Now, Store: st, Operators: opSet{key("op"): true}})
	bot, err := h.Join(Identity{Key: key("bot"), Nick: "bot", Addr: "127.0.0.1:2", Unannounced: true})
	if err != nil {
		t.Fatal(err)
	}
	defer bot.Leave("done")
	if err := bot.Enter("#nosuch"); !errors.Is(err, ErrNoSuchRoom) {
		t.Fatalf("Enter #nosuch: %v, want ErrNoSuchRoom", err)
	}
	if _, known, _ := st.RoomInfo(context.Background(), "nosuch"); known {
		t.Fatal("Enter made #nosuch")
	}
	op := join(t, h, "op")
	submit(t, op, "/join #secret")
	submit(t, op, "/private on")
	submit(t, op, "the plan is ready")
	if err := bot.Enter("secret"); err == nil || !strings.Contains(err.Error(), "invite-only") {
		t.Fatalf("Enter #secret: %v, want invite-only", err)
	}
	if _, _, err := bot.Find("secret", "plan", 10); err == nil {
		t.Fatal("Find in a room the bot is not in succeeded")
	}
	submit(t, op, "/join #lobby")
	submit(t, op, "a plan for the lobby")
	submit(t, op, "something else")
	found, total, err := bot.Find("", "plan", 10)
	if err != nil {
		t.Fatal(err)
	}
	if total != 1 || len(found) != 1 || found[0].Text != "a plan for the lobby" || found[0].Room != Lobby {
		t.Fatalf("Find = %+v (total %d)", found, total)
	}
}
