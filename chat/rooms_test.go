package chat_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	. "github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/chat/command"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/humantime"
	"github.com/chatroom/chatroom/store"
	"github.com/chatroom/chatroom/store/memory"
)

// inRoom keeps the messages of one room.
func inRoom(msgs []message.Message, room string) []message.Message {
	return slices.DeleteFunc(slices.Clone(msgs), func(m message.Message) bool { return m.Room != room })
}

func tabs(m *Member) []string {
	rooms, _ := m.Rooms()
	var out []string
	for _, r := range rooms {
		out = append(out, r.Label)
	}
	return out
}

// tab is what m's view is told about one of its rooms.
func tab(m *Member, name string) RoomTab {
	rooms, _ := m.Rooms()
	for _, r := range rooms {
		if r.Name == name {
			return r
		}
	}
	return RoomTab{}
}

// unreadStart is where, in msgs, what m missed in room name starts: the
// first log message at or after RoomTab.UnreadFrom; -1 if none is.
func unreadStart(m *Member, name string, msgs []message.Message) int {
	from := tab(m, name).UnreadFrom
	if from == 0 {
		return -1
	}
	return slices.IndexFunc(msgs, func(msg message.Message) bool { return !msg.Private && msg.Seq >= from })
}

func current(m *Member) string {
	_, cur := m.Rooms()
	return cur
}

func TestRoomsAreIsolated(t *testing.T) {
	h := newHub(t, Options{})
	alice, bob := join(t, h, "alice"), join(t, h, "bob")
	drain(alice)
	drain(bob)

	submit(t, alice, "/join #Go")
	if got := current(alice); got != "go" {
		t.Fatalf("after /join #Go alice looks at %q", got)
	}
	if got := tabs(alice); !slices.Equal(got, []string{"#lobby", "#go"}) {
		t.Fatalf("alice's rooms = %q", got)
	}
	submit(t, alice, "gophers only")
	submit(t, bob, "lobby talk")

	a := drain(alice)
	if got := texts(inRoom(a, "go"), message.Chat); !slices.Equal(got, []string{"gophers only"}) {
		t.Fatalf("alice's #go = %q", got)
	}
	if got := texts(inRoom(a, Lobby), message.Chat); !slices.Equal(got, []string{"lobby talk"}) {
		t.Fatalf("alice's #lobby = %q", got)
	}
	b := drain(bob)
	for _, msg := range b {
		if msg.Room == "go" || strings.Contains(msg.Text, "gophers") {
			t.Fatalf("bob, not in #go, got %+v", msg)
		}
	}

	// Joining later shows what was said, as history.
	submit(t, bob, "/join go")
	b = inRoom(drain(bob), "go")
	if i := slices.IndexFunc(b, func(m message.Message) bool { return m.Text == "gophers only" }); i < 0 || !b[i].Backlog {
		t.Fatalf("bob's #go on joining = %+v", b)
	}
	// Switching rooms changes where lines go.
	bob.Switch(Lobby, 0)
	submit(t, bob, "back in the lobby")
	if got := texts(inRoom(drain(alice), Lobby), message.Chat); !slices.Equal(got, []string{"back in the lobby"}) {
		t.Fatalf("alice's lobby = %q", got)
	}
	bob.Switch("", 1)
	if got := current(bob); got != "go" {
		t.Fatalf("Switch +1 from the lobby went to %q", got)
	}
	bob.Switch("", 1)
	if got := current(bob); got != Lobby {
		t.Fatalf("Switch +1 from the last room went to %q, want it to wrap", got)
	}
}

func TestJoinPartTopicAndRooms(t *testing.T) {
	h := newHub(t, Options{})
	alice, bob := join(t, h, "alice"), join(t, h, "bob")
	mustFail(t, alice, "/join #no way", "not a room name")
	mustFail(t, alice, "/join #"+strings.Repeat("x", 33), "not a room name")
	mustFail(t, alice, "/join", "usage")
	mustFail(t, alice, "/part", "only room")

	submit(t, alice, "/join #go")
	if got := strings.Join(texts(drain(alice), message.Notice), "\n"); !strings.Contains(got, "You made #go") {
		t.Fatalf("no word that alice made the room: %q", got)
	}
	submit(t, alice, "/topic all things Go")
	rooms, _ := alice.Rooms()
	if rooms[1].Topic != "all things Go" {
		t.Fatalf("topic = %q", rooms[1].Topic)
	}
	if got := texts(drain(alice), message.Announcement); !slices.Contains(got, "alice set the topic: all things Go") {
		t.Fatalf("topic change not announced: %q", got)
	}
	submit(t, bob, "/join #go")
	if got := strings.Join(texts(drain(bob), message.Notice), "\n"); !strings.Contains(got, "Topic: all things Go") {
		t.Fatalf("bob was not shown the topic: %q", got)
	}
	submit(t, bob, "/rooms")
	list := strings.Join(texts(drain(bob), message.Notice), "\n")
	if !regexp.MustCompile(`#go +2 online: all things Go`).MatchString(list) || !regexp.MustCompile(`#lobby +2 online`).MatchString(list) {
		t.Fatalf("/rooms = %q", list)
	}

	alice.Update()
	submit(t, alice, "/part")
	if !alice.Update().RoomsChanged {
		t.Fatal("leaving a room did not change the member's rooms")
	}
	if got := tabs(alice); !slices.Equal(got, []string{"#lobby"}) || current(alice) != Lobby {
		t.Fatalf("after /part alice has %q and looks at %q", got, current(alice))
	}
	if got := texts(inRoom(drain(bob), "go"), message.Leave); len(got) != 1 {
		t.Fatalf("bob saw %d leave lines in #go, want 1", len(got))
	}
	// A room nobody is in still exists, with its topic.
	submit(t, bob, "/part")
	submit(t, alice, "/rooms")
	if got := strings.Join(texts(drain(alice), message.Notice), "\n"); !regexp.MustCompile(`#go +0 online: all things Go`).MatchString(got) {
		t.Fatalf("/rooms after everyone left = %q", got)
	}
}

func TestDirectMessagesReachOnlyTheParties(t *testing.T) {
	h := newHub(t, Options{})
	alice, bob, carol := join(t, h, "alice"), join(t, h, "bob"), join(t, h, "carol")
	drain(alice)
	drain(bob)
	drain(carol)
	mustFail(t, alice, "/msg bob", "usage")
	mustFail(t, alice, "/msg nobody hi", "nobody called")
	mustFail(t, alice, "/msg alice hi", "that is you")
	mustFail(t, bob, "/reply hi", "nobody has sent you")

	submit(t, alice, "/msg bob psst, secret")
	b := drain(bob)
	i := slices.IndexFunc(b, func(m message.Message) bool { return m.Text == "psst, secret" })
	if i < 0 || !strings.HasPrefix(b[i].Room, DMPrefix) || b[i].Backlog || b[i].Nick != "alice" {
		t.Fatalf("bob's DM = %+v", b)
	}
	if got := tabs(bob); !slices.Contains(got, "@alice") {
		t.Fatalf("bob's rooms %q lack @alice", got)
	}
	if got := tabs(alice); !slices.Contains(got, "@bob") || current(alice) != b[i].Room {
		t.Fatalf("alice's rooms %q, looking at %q", got, current(alice))
	}
	// Bob still looks at the lobby: a DM arriving does not move him.
	if current(bob) != Lobby {
		t.Fatalf("bob was moved to %q", current(bob))
	}
	submit(t, bob, "/reply got it")
	if got := texts(inRoom(drain(alice), b[i].Room), message.Chat); !slices.Equal(got, []string{"psst, secret", "got it"}) {
		t.Fatalf("alice's DM = %q", got)
	}
	// Closing the conversation does not stop the next message reaching you.
	bob.Switch(b[i].Room, 0)
	submit(t, bob, "/part")
	if slices.Contains(tabs(bob), "@alice") {
		t.Fatal("/part kept the conversation")
	}
	drain(bob)
	submit(t, alice, "one more thing")
	if got := texts(inRoom(drain(bob), b[i].Room), message.Chat); !slices.Contains(got, "one more thing") || !slices.Contains(tabs(bob), "@alice") {
		t.Fatalf("after closing it bob got %q, rooms %q", got, tabs(bob))
	}
	for _, msg := range drain(carol) {
		if strings.Contains(msg.Text, "secret") || strings.Contains(msg.Text, "got it") || msg.Room == b[i].Room {
			t.Fatalf("carol saw %+v", msg)
		}
	}
	// Nobody can join a direct conversation by name.
	mustFail(t, carol, "/join "+b[i].Room, "not a room name")
	if got := texts(drain(carol), message.Join); len(got) > 0 {
		t.Fatalf("carol saw joins: %q", got)
	}
}

func TestOfflineDirectMessageWaitsForItsReader(t *testing.T) {
	store := &memory.Store{}
	h := newHub(t, Options{Store: store})
	bob := join(t, h, "bob") // bob's key now owns "bob"
	bob.Leave("")
	alice := join(t, h, "alice")
	mustFail(t, alice, "/msg nobody hello", "no key owns")
	submit(t, alice, "/msg bob are you there?")
	submit(t, alice, "/msg bob call me")

	bob = join(t, h, "bob")
	got := drain(bob)
	if !slices.Contains(tabs(bob), "@alice") {
		t.Fatalf("bob's rooms = %q", tabs(bob))
	}
	notes := strings.Join(texts(got, message.Notice), "\n")
	if !strings.Contains(notes, "New direct messages while you were away: @alice (2)") {
		t.Fatalf("bob was not told about the waiting messages: %q", notes)
	}
	var dm []message.Message
	for _, msg := range got {
		if strings.HasPrefix(msg.Room, DMPrefix) && msg.Kind == message.Chat {
			dm = append(dm, msg)
		}
	}
	if len(dm) != 2 || dm[0].Text != "are you there?" || dm[1].Text != "call me" || dm[0].Backlog || dm[1].Backlog {
		t.Fatalf("bob's waiting messages = %+v", dm)
	}
	submit(t, bob, "/reply here now")
	if got := texts(drain(alice), message.Chat); !slices.Contains(got, "here now") {
		t.Fatalf("alice did not get the reply: %q", got)
	}
}

func TestRoomsAreRejoinedWithAMarkerWhereYouLeft(t *testing.T) {
	store := &memory.Store{}
	h := newHub(t, Options{Store: store})
	alice, bob := join(t, h, "alice"), join(t, h, "bob")
	submit(t, alice, "/join #go")
	submit(t, bob, "/join #go")
	submit(t, bob, "seen 1")
	submit(t, bob, "seen 2")
	for _, msg := range drain(alice) {
		alice.Read(msg.Room, msg.Seq)
	}
	alice.Leave("")
	for i := 1; i <= 3; i++ {
		submit(t, bob, fmt.Sprintf("missed %d", i))
	}

	alice = join(t, h, "alice")
	if got := tabs(alice); !slices.Equal(got, []string{"#lobby", "#go"}) {
		t.Fatalf("alice came back to %q", got)
	}
	if current(alice) != Lobby {
		t.Fatalf("alice comes back looking at %q, want the lobby", current(alice))
	}
	got := inRoom(drain(alice), "go")
	if n := tab(alice, "go").Unread; n != 3 {
		t.Fatalf("alice missed 3 lines, is told %d", n)
	}
	marker := unreadStart(alice, "go", got)
	if marker < 0 {
		t.Fatalf("no marker in %+v", got)
	}
	var before, after []string
	for _, msg := range got[:marker] {
		if msg.Kind == message.Chat {
			if !msg.Backlog {
				t.Fatalf("%q, read before, is not marked as history", msg.Text)
			}
			before = append(before, msg.Text)
		}
	}
	for _, msg := range got[marker:] {
		if msg.Kind == message.Chat {
			if msg.Backlog {
				t.Fatalf("%q, missed, is marked as history", msg.Text)
			}
			after = append(after, msg.Text)
		}
	}
	if !slices.Equal(before, []string{"seen 1", "seen 2"}) || !slices.Equal(after, []string{"missed 1", "missed 2", "missed 3"}) {
		t.Fatalf("before the marker %q, after %q", before, after)
	}

	// Leaving a room for good means not coming back to it.
	alice.Switch("go", 0)
	submit(t, alice, "/part")
	alice.Leave("")
	alice = join(t, h, "alice")
	if got := tabs(alice); !slices.Equal(got, []string{"#lobby"}) {
		t.Fatalf("after /part and a reconnect alice is in %q", got)
	}
}

func TestReadPositionsSurviveACrashOnceCheckpointed(t *testing.T) {
	store := &memory.Store{}
	hist := &memory.History{}
	h := newHub(t, Options{Store: store, History: hist})
	alice, bob := join(t, h, "alice"), join(t, h, "bob")
	submit(t, bob, "read before the crash")
	for _, msg := range drain(alice) {
		alice.Read(msg.Room, msg.Seq)
	}
	if err := h.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The process dies: nobody leaves. A new hub on the same storage.
	h2 := newHub(t, Options{Store: store, History: hist})
	carol := join(t, h2, "carol")
	submit(t, carol, "after the crash")
	alice2 := join(t, h2, "alice")
	got := drain(alice2)
	marker := unreadStart(alice2, Lobby, got)
	read := slices.IndexFunc(got, func(m message.Message) bool { return m.Text == "read before the crash" })
	after := slices.IndexFunc(got, func(m message.Message) bool { return m.Text == "after the crash" })
	if marker < 0 || read < 0 || after < 0 || !(read < marker && marker <= after) {
		t.Fatalf("read %d, marker %d, new %d in %+v", read, marker, after, got)
	}
	alice.Leave("")
	bob.Leave("")
}

func TestHistoryLoadsOlderPages(t *testing.T) {
	h := newHub(t, Options{Backlog: 5})
	alice := join(t, h, "alice")
	for i := 1; i <= 30; i++ {
		submit(t, alice, fmt.Sprintf("line %d", i))
	}
	bob := join(t, h, "bob")
	shown := texts(drain(bob), message.Chat)
	if len(shown) != 5 || shown[0] != "line 26" {
		t.Fatalf("bob's backlog = %q", shown)
	}
	mustFail(t, bob, "/history lots", "usage")
	submit(t, bob, "/history 10")
	older := drain(bob)
	if got := texts(older, message.Chat); len(got) != 10 || got[0] != "line 16" || got[9] != "line 25" {
		t.Fatalf("/history 10 gave %q", got)
	}
	for _, msg := range older {
		if !msg.Older || !msg.Backlog || msg.Private || msg.Room != Lobby || msg.Seq == 0 {
			t.Fatalf("older message not marked: %+v", msg)
		}
	}
	if n, err := bob.LoadOlder("", 0, 100); n != 16 || err != nil {
		t.Fatalf("LoadOlder = %d, %v; want the 16 left", n, err)
	}
	rest := drain(bob)
	// Lines 1-15 and alice's arrival.
	if got := texts(rest, message.Chat); len(got) != 15 || got[0] != "line 1" {
		t.Fatalf("the rest = %q", got)
	}
	if rest[0].Kind != message.Join || rest[0].Nick != "alice" {
		t.Fatalf("the oldest line is %+v, want alice joining", rest[0])
	}
	// A view that dropped some of what it had asks from where it has.
	if n, err := bob.LoadOlder(Lobby, 3, 10); n != 2 || err != nil {
		t.Fatalf("LoadOlder before 3 = %d, %v", n, err)
	}
	drain(bob)
	submit(t, bob, "/history")
	if got := strings.Join(texts(drain(bob), message.Notice), ""); !strings.Contains(got, "beginning of what this room keeps") {
		t.Fatalf("at the start: %q", got)
	}
}

func TestSearchFindsMessagesInTheCurrentRoom(t *testing.T) {
	h := newHub(t, Options{})
	alice, bob := join(t, h, "alice"), join(t, h, "bob")
	submit(t, alice, "the quick brown fox")
	submit(t, bob, "a lazy dog")
	submit(t, bob, "/me chases the fox")
	submit(t, alice, "/join #other")
	submit(t, alice, "another fox, elsewhere")
	drain(bob)

	mustFail(t, bob, "/search", "usage")
	submit(t, bob, "/search FOX")
	got := strings.Join(texts(drain(bob), message.Notice), "\n")
	if !strings.Contains(got, "2 messages match \"FOX\"") || !strings.Contains(got, "<alice> the quick brown fox") ||
		!strings.Contains(got, "* bob chases the fox") || strings.Contains(got, "elsewhere") {
		t.Fatalf("/search FOX = %q", got)
	}
	if !strings.Contains(got, "2026-11-25 12:34") {
		t.Fatalf("results lack their time: %q", got)
	}
	// Times are in the reader's time zone.
	east, err := h.Join(Identity{Key: key("east"), Nick: "east", Location: time.FixedZone("UTC+1", 3600)})
	if err != nil {
		t.Fatal(err)
	}
	submit(t, east, "/search quick")
	if got := strings.Join(texts(drain(east), message.Notice), "\n"); !strings.Contains(got, "2026-11-25 13:34 <alice> the quick brown fox") {
		t.Fatalf("search in UTC+1 = %q", got)
	}
	submit(t, bob, "/search unicorn")
	if got := strings.Join(texts(drain(bob), message.Notice), "\n"); !strings.Contains(got, "Nothing in this room matches") {
		t.Fatalf("/search unicorn = %q", got)
	}
	// Search respects /ignore.
	submit(t, bob, "/ignore alice")
	submit(t, bob, "/search quick")
	if got := strings.Join(texts(drain(bob), message.Notice), "\n"); strings.Contains(got, "quick brown") {
		t.Fatalf("search shows an ignored author: %q", got)
	}
}

func TestInviteOnlyRooms(t *testing.T) {
	boss := key("boss")
	h := newHub(t, Options{Operators: opSet{boss: true}})
	op := joinAs(t, h, "boss", boss, "10.0.0.1")
	bob := joinAs(t, h, "bob", key("bob"), "10.0.0.2")
	carol := joinAs(t, h, "carol", key("carol"), "10.0.0.3")
	submit(t, carol, "/join #club")
	mustFail(t, carol, "/private on", "operators")
	submit(t, op, "/join #club")
	mustFail(t, op, "/private maybe", "usage")
	submit(t, op, "/private on")

	mustFail(t, bob, "/join #club", "invite-only")
	mustFail(t, bob, "/invite carol", "operators")
	submit(t, op, "/invite bob")
	if got := strings.Join(texts(drain(bob), message.Notice), "\n"); !strings.Contains(got, "boss invited you to #club") {
		t.Fatalf("bob was not told: %q", got)
	}
	submit(t, bob, "/join #club")
	// Carol was there when it closed, so she may come back.
	carol.Switch("club", 0)
	submit(t, carol, "/part")
	submit(t, carol, "/join #club")

	op.Switch(Lobby, 0)
	mustFail(t, op, "/private on", "lobby")
	op.Switch("club", 0)
	submit(t, op, "/private off")
	dave := joinAs(t, h, "dave", key("dave"), "10.0.0.4")
	submit(t, dave, "/join #club")
}

func TestDeleteNeedsConfirmation(t *testing.T) {
	boss := key("boss")
	store, hist := &memory.Store{}, &memory.History{}
	h := newHub(t, Options{Operators: opSet{boss: true}, Store: store, History: hist})
	op := joinAs(t, h, "boss", boss, "10.0.0.1")
	bob := joinAs(t, h, "bob", key("bob"), "10.0.0.2")
	submit(t, bob, "/join #doomed")
	submit(t, bob, "last words")
	mustFail(t, bob, "/delete #doomed", "operators")
	mustFail(t, op, "/delete #lobby", "cannot be deleted")
	mustFail(t, op, "/delete #nowhere", "no room")

	submit(t, op, "/delete #doomed")
	if got := strings.Join(texts(drain(op), message.Notice), "\n"); !strings.Contains(got, "/delete #doomed confirm") {
		t.Fatalf("no confirmation asked: %q", got)
	}
	if !slices.Contains(tabs(bob), "#doomed") {
		t.Fatal("the room went without a confirmation")
	}
	submit(t, op, "/delete #doomed confirm")
	if got := tabs(bob); slices.Contains(got, "#doomed") || current(bob) != Lobby {
		t.Fatalf("bob is still in %q, looking at %q", got, current(bob))
	}
	if got := strings.Join(texts(drain(bob), message.Notice), "\n"); !strings.Contains(got, "boss deleted #doomed") {
		t.Fatalf("bob was not told: %q", got)
	}
	if msgs, _ := hist.After(context.Background(), "doomed", 0, 100); len(msgs) != 0 {
		t.Fatalf("the history is still there: %+v", msgs)
	}
	if _, ok, _ := store.RoomInfo(context.Background(), "doomed"); ok {
		t.Fatal("the room is still known")
	}
	// A new room of the same name starts afresh.
	submit(t, bob, "/join #doomed")
	for _, msg := range drain(bob) {
		if msg.Text == "last words" {
			t.Fatal("the old history came back")
		}
	}
	bob.Leave("")
	bob = joinAs(t, h, "bob", key("bob"), "10.0.0.2")
	if got := tabs(bob); !slices.Contains(got, "#doomed") {
		t.Fatalf("bob's rooms after reconnecting = %q", got)
	}
}

func TestPruneAppliesRetention(t *testing.T) {
	clock := newFakeClock()
	hist := &memory.History{}
	h := newHub(t, Options{Now: clock.Now, History: hist, Retain: time.Hour, RetainMessages: 3})
	alice := join(t, h, "alice")
	submit(t, alice, "old")
	clock.Advance(2 * time.Hour)
	for i := 1; i <= 5; i++ {
		submit(t, alice, fmt.Sprintf("new %d", i))
	}
	n, err := h.Prune(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	kept, _ := hist.After(context.Background(), Lobby, 0, 100)
	if got := texts(kept, message.Chat); !slices.Equal(got, []string{"new 3", "new 4", "new 5"}) || n != 4 {
		t.Fatalf("pruned %d, kept %q", n, got)
	}
	// Nobody is shown what was pruned, though it was still in memory.
	bob := join(t, h, "bob")
	got := drain(bob)
	if chat := texts(got, message.Chat); !slices.Equal(chat, []string{"new 3", "new 4", "new 5"}) {
		t.Fatalf("after pruning a newcomer sees %q", chat)
	}
	for _, n := range texts(got, message.Notice) {
		if strings.Contains(n, "no longer kept") || strings.Contains(n, "Earlier messages") {
			t.Fatalf("a newcomer is told %q", n)
		}
	}
	// Sequence numbers carry on.
	submit(t, alice, "after")
	kept, _ = hist.After(context.Background(), Lobby, 0, 100)
	if kept[len(kept)-1].Seq != kept[len(kept)-2].Seq+1 {
		t.Fatalf("seqs after pruning: %+v", kept)
	}

	none := newHub(t, Options{History: &memory.History{}})
	if n, err := none.Prune(context.Background()); n != 0 || err != nil {
		t.Fatalf("without retention Prune = %d, %v", n, err)
	}
}

// A keyless session's conversations are its own: after a restart, a new
// keyless session cannot inherit one.
func TestKeylessConversationsAreNotInherited(t *testing.T) {
	store, hist := &memory.Store{}, &memory.History{}
	h := newHub(t, Options{Store: store, History: hist})
	bob := join(t, h, "bob")
	guest, err := h.Join(Identity{Nick: "guest", Addr: "10.0.0.9:1"})
	if err != nil {
		t.Fatal(err)
	}
	submit(t, guest, "/msg bob my PIN is 4321")
	guest.Leave("")
	bob.Leave("")

	h2 := newHub(t, Options{Store: store, History: hist})
	bob = join(t, h2, "bob")
	stranger, err := h2.Join(Identity{Nick: "stranger", Addr: "10.0.0.8:1"})
	if err != nil {
		t.Fatal(err)
	}
	submit(t, stranger, "/msg bob hello")
	for _, msg := range drain(stranger) {
		if strings.Contains(msg.Text, "PIN") {
			t.Fatalf("a new keyless session reads an old conversation: %+v", msg)
		}
	}
	// And a keyless person who has gone cannot be written to: bob is told.
	dm := current(stranger)
	stranger.Leave("")
	bob.Switch(dm, 0)
	if current(bob) != dm {
		t.Fatalf("bob has no conversation with the stranger: %q", tabs(bob))
	}
	mustFail(t, bob, "are you there?", "without an ssh key they cannot come back")
}

// A conversation someone closed reopens for them whichever window of the
// other person writes.
func TestDirectMessageFromASecondWindowReachesAClosedConversation(t *testing.T) {
	h := newHub(t, Options{})
	alice := join(t, h, "alice")
	window2, err := h.Join(Identity{Key: key("alice"), Nick: "alice2"})
	if err != nil {
		t.Fatal(err)
	}
	bob := join(t, h, "bob")
	submit(t, alice, "/msg bob first")
	submit(t, window2, "/msg bob from my other window")
	drain(bob)
	dm := current(alice)
	bob.Switch(dm, 0)
	submit(t, bob, "/part")
	drain(bob)
	window2.Switch(dm, 0)
	submit(t, window2, "still there?")
	if got := texts(inRoom(drain(bob), dm), message.Chat); !slices.Contains(got, "still there?") {
		t.Fatalf("bob got %q", got)
	}
}

// Reconnecting while the old session still hangs keeps what was read as
// read.
func TestReconnectOverAHangingSessionKeepsReadPositions(t *testing.T) {
	h := newHub(t, Options{})
	alice, bob := join(t, h, "alice"), join(t, h, "bob")
	submit(t, bob, "read it")
	for _, msg := range drain(alice) {
		alice.Read(msg.Room, msg.Seq)
	}
	again, err := h.Join(Identity{Key: key("alice"), Nick: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if isDone(alice) {
		t.Fatal("a session that may still answer was replaced")
	}
	for _, msg := range drain(again) {
		if tab(again, Lobby).Unread != 0 {
			t.Fatalf("what alice read is counted as unread: %+v", tab(again, Lobby))
		}
		if msg.Text == "read it" && !msg.Backlog {
			t.Fatal("a line alice had read is news again")
		}
	}
}

// Refused lines open nothing: a muted person cannot push conversations on
// others.
func TestMutedMessagesOpenNoConversation(t *testing.T) {
	store := &memory.Store{}
	h := newHub(t, Options{Store: store, Operators: opSet{key("boss"): true}})
	op := joinAs(t, h, "boss", key("boss"), "10.0.0.1")
	bob := joinAs(t, h, "bob", key("bob"), "10.0.0.2")
	bob.Leave("")
	pest := joinAs(t, h, "pest", key("pest"), "10.0.0.3")
	carol := joinAs(t, h, "carol", key("carol"), "10.0.0.4")
	submit(t, op, "/mute pest")
	mustFail(t, pest, "/msg bob hi", "muted")
	mustFail(t, pest, "/msg carol hi", "muted")
	if got, _ := store.Memberships(context.Background(), key("bob")); len(got) != 1 {
		t.Fatalf("bob's rooms after a refused message: %+v", got)
	}
	if got := tabs(carol); len(got) != 1 {
		t.Fatalf("carol's rooms after a refused message: %q", got)
	}
	if got := tabs(pest); len(got) != 1 {
		t.Fatalf("pest's rooms after refused messages: %q", got)
	}
	// Without a key, no message waits for someone away.
	guest, err := h.Join(Identity{Nick: "guest", Addr: "10.0.0.5:1"})
	if err != nil {
		t.Fatal(err)
	}
	mustFail(t, guest, "/msg bob hi", "connect with an ssh key")
}

// Rooms nobody is in leave memory, and making rooms is limited.
func TestEmptyRoomsAreUnloadedAndRoomMakingIsLimited(t *testing.T) {
	clock := newFakeClock()
	h := newHub(t, Options{Now: clock.Now})
	alice := join(t, h, "alice")
	for i := range 30 {
		if i > 0 && i%NewRoomBurst == 0 {
			mustFail(t, alice, fmt.Sprintf("/join #r%d", i), "slow down: you can make a room again")
			clock.Advance(NewRoomAddrEvery * NewRoomBurst) // the key's and the address's allowances
		}
		submit(t, alice, fmt.Sprintf("/join #r%d", i))
		submit(t, alice, "hello")
		submit(t, alice, "/part")
	}
	loaded := h.LoadedRooms()
	if loaded != 1 {
		t.Fatalf("%d rooms in memory, want only the lobby", loaded)
	}
	// Coming back loads it again, with its history and numbering.
	submit(t, alice, "/join #r3")
	got := inRoom(drain(alice), "r3")
	if i := slices.IndexFunc(got, func(m message.Message) bool { return m.Text == "hello" }); i < 0 || got[i].Seq != 2 {
		t.Fatalf("#r3 came back as %+v", got)
	}
	submit(t, alice, "again")
	if got := inRoom(drain(alice), "r3"); len(got) != 1 || got[0].Text != "again" || got[0].Seq != 5 {
		t.Fatalf("after join, hello, leave, join: %+v", got)
	}
}

func TestInviteOnlyRoomsAreListedOnlyToThoseLetIn(t *testing.T) {
	boss := key("boss")
	h := newHub(t, Options{Operators: opSet{boss: true}})
	op := joinAs(t, h, "boss", boss, "10.0.0.1")
	bob := joinAs(t, h, "bob", key("bob"), "10.0.0.2")
	carol := joinAs(t, h, "carol", key("carol"), "10.0.0.3")
	submit(t, op, "/join #club")
	submit(t, op, "/topic the secret club")
	submit(t, op, "/private on")
	submit(t, op, "/invite bob")
	submit(t, carol, "/rooms")
	if got := strings.Join(texts(drain(carol), message.Notice), "\n"); strings.Contains(got, "club") {
		t.Fatalf("carol, not invited, sees %q", got)
	}
	submit(t, bob, "/rooms")
	if got := strings.Join(texts(drain(bob), message.Notice), "\n"); !regexp.MustCompile(`#club +1 online, invite-only: the secret club`).MatchString(got) {
		t.Fatalf("bob, invited, sees %q", got)
	}
	submit(t, bob, "/join #club")
	mustFail(t, bob, "/uninvite carol", "operators")
	mustFail(t, op, "/uninvite boss", "operator")
	submit(t, op, "/uninvite bob")
	if slices.Contains(tabs(bob), "#club") {
		t.Fatal("bob is still in the room")
	}
	if got := strings.Join(texts(drain(bob), message.Notice), "\n"); !strings.Contains(got, "boss withdrew your invitation to #club") {
		t.Fatalf("bob was told %q", got)
	}
	mustFail(t, bob, "/join #club", "invite-only")
}

// Conversations strangers open never push out the rooms someone joined
// themselves, and how many can wait for one person is bounded: 150
// throwaway keys writing to vic while he is away leave him a bounded
// number, the others are told, and his own rooms all come back.
func TestStrangersCannotCrowdOutYourRooms(t *testing.T) {
	ctx := context.Background()
	st := &memory.Store{}
	h := newHub(t, Options{Store: st})
	for i := range MaxRooms - 1 {
		if err := st.PutRoomInfo(ctx, store.RoomInfo{Name: fmt.Sprintf("r%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	vic := join(t, h, "vic")
	vic.Leave("")

	refused := 0
	for i := range 150 {
		s := join(t, h, fmt.Sprintf("s%d", i))
		_, err := command.Submit(s, "/msg vic hi from a stranger")
		switch {
		case err == nil:
		case strings.Contains(err.Error(), fmt.Sprintf("vic has %d conversations from people they have not written to", MaxUnanswered)) &&
			strings.Contains(err.Error(), "try again later"):
			refused++
			if slices.Contains(tabs(s), "@vic") {
				t.Fatalf("a refused message opened a conversation: %q", tabs(s))
			}
		default:
			t.Fatalf("stranger %d: %v", i, err)
		}
		s.Leave("")
	}
	if refused != 150-MaxUnanswered {
		t.Fatalf("%d strangers were refused, want %d", refused, 150-MaxUnanswered)
	}

	vic = join(t, h, "vic")
	notes := strings.Join(texts(drain(vic), message.Notice), "\n")
	if !strings.Contains(notes, fmt.Sprintf("%d conversations were opened by people you have not written to", MaxUnanswered)) {
		t.Fatalf("vic's welcome does not say how many wait: %q", notes)
	}
	// Online, the same bound holds.
	late := join(t, h, "late")
	mustFail(t, late, "/msg vic me too", "try again later")
	// His own rooms are not crowded out: he can join as many as anyone.
	for i := range MaxRooms - 1 {
		submit(t, vic, fmt.Sprintf("/join #r%d", i))
	}
	vic.Leave("")
	vic = join(t, h, "vic")
	rooms, dms := 0, 0
	for _, tab := range tabs(vic) {
		if strings.HasPrefix(tab, "#") {
			rooms++
		} else {
			dms++
		}
	}
	if rooms != MaxRooms || dms != MaxUnanswered {
		t.Fatalf("vic came back to %d rooms and %d conversations, want %d and %d", rooms, dms, MaxRooms, MaxUnanswered)
	}
	// Answering one makes it his: another stranger's message may then wait.
	dm := DMName(vic.Author(), key("s0"))
	vic.Switch(dm, 0)
	submit(t, vic, "who are you?")
	submit(t, late, "/msg vic me too")
}

// One key cannot leave waiting messages for everyone: the people it wrote
// to while they were away and who have not answered are bounded.
func TestOneKeyCannotLeaveMessagesForEveryone(t *testing.T) {
	h := newHub(t, Options{})
	for i := range MaxUnansweredBy + 1 {
		join(t, h, fmt.Sprintf("p%d", i)).Leave("")
	}
	spammer := join(t, h, "spammer")
	for i := range MaxUnansweredBy {
		submit(t, spammer, fmt.Sprintf("/msg p%d buy now", i))
	}
	mustFail(t, spammer, fmt.Sprintf("/msg p%d buy now", MaxUnansweredBy),
		fmt.Sprintf("%d people you wrote to have not answered yet", MaxUnansweredBy))
	// Once one answers, another message may wait.
	p0 := join(t, h, "p0")
	submit(t, p0, "/msg spammer no thanks")
	submit(t, spammer, fmt.Sprintf("/msg p%d buy now", MaxUnansweredBy))
}

// Making rooms is limited per key and per address across sessions: a new
// session does not start afresh.
func TestRoomMakingIsLimitedAcrossSessions(t *testing.T) {
	clock := newFakeClock()
	h := newHub(t, Options{Now: clock.Now, Operators: opSet{key("boss"): true}})
	made := func(id Identity, room string) bool {
		t.Helper()
		m, err := h.Join(id)
		if err != nil {
			t.Fatalf("join %+v: %v", id, err)
		}
		defer m.Leave("")
		_, err = command.Submit(m, "/join #"+room)
		if err != nil && !strings.Contains(err.Error(), "slow down: you can make a room again in") {
			t.Fatalf("%s: %v", room, err)
		}
		return err == nil
	}
	// One key, a new session for every room.
	n := 0
	for i := range 10 {
		if made(Identity{Key: key("maker"), Nick: "maker", Addr: "10.0.0.1:1"}, fmt.Sprintf("k%d", i)) {
			n++
		}
	}
	if n != NewRoomBurst {
		t.Fatalf("one key made %d rooms in as many sessions, want %d", n, NewRoomBurst)
	}
	// Without a key, one address shares one allowance.
	n = 0
	for i := range 25 {
		if made(Identity{Nick: "guest", Addr: fmt.Sprintf("10.0.0.2:%d", 1000+i)}, fmt.Sprintf("g%d", i)) {
			n++
		}
	}
	if n != NewRoomAddrBurst {
		t.Fatalf("keyless sessions from one address made %d rooms, want %d", n, NewRoomAddrBurst)
	}
	// Fresh keys at one address do not escape the address's allowance.
	n = 0
	for i := range 25 {
		if made(Identity{Key: key(fmt.Sprint("fresh", i)), Nick: fmt.Sprint("fresh", i), Addr: "10.0.0.3:1"}, fmt.Sprintf("f%d", i)) {
			n++
		}
	}
	if n != NewRoomAddrBurst {
		t.Fatalf("fresh keys at one address made %d rooms, want %d", n, NewRoomAddrBurst)
	}
	// Someone else is not affected, and the allowance refills.
	if !made(Identity{Key: key("other"), Nick: "other", Addr: "10.0.0.4:1"}, "other") {
		t.Fatal("another key at another address may not make a room")
	}
	clock.Advance(NewRoomEvery)
	if !made(Identity{Key: key("maker"), Nick: "maker", Addr: "10.0.0.1:1"}, "later") {
		t.Fatal("the allowance does not refill")
	}
	// Listed operators make what rooms they need, wherever they are.
	boss := joinAs(t, h, "boss", key("boss"), "10.0.0.3")
	for i := range 2 * NewRoomAddrBurst {
		submit(t, boss, fmt.Sprintf("/join #ops%d", i))
	}
}

// An empty room nobody owns goes after a day: no chat message left, nobody
// in it. Rooms an operator made, gave a topic or made invite-only stay, as
// do rooms someone is in and rooms whose messages are kept.
func TestEmptyRoomsNobodyOwnsExpire(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock()
	store, hist := &memory.Store{}, &memory.History{}
	boss := key("boss")
	h := newHub(t, Options{Now: clock.Now, Store: store, History: hist, Operators: opSet{boss: true}, Retain: 7 * 24 * time.Hour})
	op := joinAs(t, h, "boss", boss, "10.0.0.1")
	alice := joinAs(t, h, "alice", key("alice"), "10.0.0.2")
	bob := joinAs(t, h, "bob", key("bob"), "10.0.0.3")

	for _, line := range []string{
		"/join #idle", "/part", // made, then left in silence
		"/join #said", "something worth keeping", "/part",
		"/join #mytopic", "/topic mine forever", "/part", // anyone may set a topic: it keeps nothing
	} {
		submit(t, alice, line)
	}
	clock.Advance(NewRoomEvery)
	submit(t, alice, "/join #away") // alice stays in it while away
	alice.Leave("")
	for _, line := range []string{
		"/join #opmade", "/part",
		"/join #optopic", "/part",
		"/join #club", "/private on", "/part",
	} {
		submit(t, op, line)
	}
	submit(t, bob, "/join #optopic")
	submit(t, op, "/join #optopic")
	submit(t, op, "/topic kept by an operator")
	submit(t, op, "/part")
	bob.Switch(Lobby, 0)
	submit(t, bob, "/join #busy") // bob stays in it, online

	known := func(name string) bool {
		t.Helper()
		_, ok, err := store.RoomInfo(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	prune := func() {
		t.Helper()
		if _, err := h.Prune(ctx); err != nil {
			t.Fatal(err)
		}
	}
	all := []string{"idle", "said", "mytopic", "away", "opmade", "optopic", "club", "busy"}
	prune()
	clock.Advance(RoomExpiry - 2*time.Minute) // the first rooms were left a minute before the first sweep
	prune()
	for _, name := range all {
		if !known(name) {
			t.Fatalf("#%s went before it had been empty for %s", name, humantime.Format(RoomExpiry))
		}
	}
	// A visit starts the day again, even one no sweep saw.
	submit(t, bob, "/join #idle")
	submit(t, bob, "/part")
	clock.Advance(2 * time.Minute)
	prune()
	if !known("idle") {
		t.Fatal("#idle went a minute after someone was in it")
	}
	clock.Advance(RoomExpiry)
	prune()
	for _, name := range all {
		gone := name == "idle" || name == "mytopic" || name == "away"
		if known(name) == gone {
			t.Fatalf("#%s: known %v after a day, want gone %v", name, known(name), gone)
		}
	}
	if msgs, _ := hist.After(ctx, "idle", 0, 0); len(msgs) != 0 {
		t.Fatalf("the expired room's lines stay: %+v", msgs)
	}
	// Alice is not put back in a room that is gone.
	alice = joinAs(t, h, "alice", key("alice"), "10.0.0.2")
	if got := tabs(alice); slices.Contains(got, "#away") {
		t.Fatalf("alice came back to %q", got)
	}
	submit(t, alice, "/rooms")
	if got := strings.Join(texts(drain(alice), message.Notice), "\n"); strings.Contains(got, "#idle") || !strings.Contains(got, "#said") {
		t.Fatalf("/rooms after expiry: %q", got)
	}
	// Retention empties #said; a day later it goes too.
	clock.Advance(7 * 24 * time.Hour)
	prune()
	if !known("said") {
		t.Fatal("#said went as soon as retention emptied it")
	}
	clock.Advance(RoomExpiry + time.Minute)
	prune()
	if known("said") || !known("busy") || !known("opmade") || !known("optopic") || !known("club") {
		t.Fatalf("after retention: said %v busy %v opmade %v optopic %v club %v",
			known("said"), known("busy"), known("opmade"), known("optopic"), known("club"))
	}
}

// Whoever writes to someone away is told that the message waits for
// them; writing to someone here says nothing of the kind.
func TestWritingToSomeoneAwaySaysItWaits(t *testing.T) {
	store := &memory.Store{}
	h := newHub(t, Options{Store: store})
	dave := join(t, h, "dave") // dave's key now owns "dave"
	dave.Leave("")
	alice, carol := join(t, h, "alice"), join(t, h, "carol")
	drain(alice)
	submit(t, alice, "/msg dave are you around?")
	if notes := strings.Join(texts(drain(alice), message.Notice), "\n"); !strings.Contains(notes, "dave is away; your message will wait for them") {
		t.Fatalf("alice was not told that dave is away: %q", notes)
	}
	submit(t, alice, "/msg carol hi")
	if notes := strings.Join(texts(drain(alice), message.Notice), "\n"); strings.Contains(notes, "is away") {
		t.Fatalf("carol is here, yet alice was told: %q", notes)
	}
	drain(carol) // alice wrote to carol: /reply answers her
	drain(alice)
	alice.Leave("")
	submit(t, carol, "/reply still there?")
	if notes := strings.Join(texts(drain(carol), message.Notice), "\n"); !strings.Contains(notes, "alice is away; your message will wait for them") {
		t.Fatalf("carol's /reply to alice away said nothing: %q", notes)
	}
}

// A nick whose owner is online under another nick reaches them, even
// from someone without a key, who cannot leave messages for people away.
func TestWritingToANickReachesItsOwnerUnderAnother(t *testing.T) {
	store := &memory.Store{}
	h := newHub(t, Options{Store: store})
	caroline := join(t, h, "caroline") // the key owns "caroline"
	submit(t, caroline, "/nick carol")
	drain(caroline)
	anon := joinAs(t, h, "anon", "", "10.0.0.9")
	submit(t, anon, "/msg caroline a question")
	var got []string
	for _, msg := range drain(caroline) {
		if strings.HasPrefix(msg.Room, DMPrefix) && msg.Kind == message.Chat {
			got = append(got, msg.Text)
		}
	}
	if !slices.Equal(got, []string{"a question"}) {
		t.Fatalf("caroline, here as carol, got %q", got)
	}
	if notes := strings.Join(texts(drain(anon), message.Notice), "\n"); strings.Contains(notes, "is away") {
		t.Fatalf("anon was told caroline is away: %q", notes)
	}
}

// /rooms is a table: names and counts line up.
func TestRoomListLinesUp(t *testing.T) {
	h := newHub(t, Options{})
	alice := join(t, h, "alice")
	submit(t, alice, "/join #go")
	submit(t, alice, "/join #a-much-longer-name")
	drain(alice)
	submit(t, alice, "/rooms")
	got := strings.Join(texts(drain(alice), message.Notice), "\n")
	col := -1
	for _, l := range strings.Split(got, "\n") {
		if !strings.HasPrefix(l, "  #") {
			continue
		}
		i := strings.Index(l, " online")
		if col >= 0 && i != col {
			t.Fatalf("the counts do not line up:\n%s", got)
		}
		col = i
	}
	if col < 0 {
		t.Fatalf("no rooms listed:\n%s", got)
	}
}

// A member coming back is told how many lines others said while it was
// away, all of them, not only the backlog it is shown: its own lines,
// join and leave lines and those of people it ignores are not news.
func TestUnreadCountsEverythingMissed(t *testing.T) {
	h := newHub(t, Options{Store: &memory.Store{}, Backlog: 100})
	alice, bob, carol := join(t, h, "alice"), join(t, h, "bob"), join(t, h, "carol")
	submit(t, alice, "/ignore carol")
	for _, msg := range drain(alice) {
		alice.Read(msg.Room, msg.Seq)
	}
	alice.Leave("")
	first := h.LastSeq(Lobby) + 1 // bob's first line
	for i := 1; i <= 282; i++ {
		submit(t, bob, fmt.Sprintf("missed %d", i))
	}
	submit(t, carol, "ignored")
	last := h.LastSeq(Lobby)
	alice = join(t, h, "alice")
	defer alice.Leave("")
	got := tab(alice, Lobby)
	if got.Unread != 282 || got.UnreadFrom != first || got.UnreadTo != last {
		t.Fatalf("alice missed 282 lines from seq %d; told %+v", first, got)
	}
	msgs := inRoom(drain(alice), Lobby)
	shown := 0
	for _, msg := range msgs {
		if msg.Kind == message.Chat && !msg.Backlog {
			shown++
		}
	}
	if shown >= 282 {
		t.Fatalf("the backlog was to show fewer than all 282, showed %d", shown)
	}
}

// /search says how many match in all, shows the newest page, and /search
// alone pages further back until the oldest.
func TestSearchCountsAllAndPagesBack(t *testing.T) {
	h := newHub(t, Options{})
	alice, bob := join(t, h, "alice"), join(t, h, "bob")
	for i := 1; i <= 450; i++ {
		text := fmt.Sprintf("line %d", i)
		if i%3 != 0 {
			text = fmt.Sprintf("fox %d", i)
		}
		submit(t, alice, text)
	}
	drain(bob)
	submit(t, bob, "/search fox")
	got := strings.Join(texts(drain(bob), message.Notice), "\n")
	if !strings.HasPrefix(got, `300 messages match "fox"; newest 1-20 (/search alone shows 21-40):`) ||
		!strings.Contains(got, "<alice> fox 449") || strings.Contains(got, "fox 419") {
		t.Fatalf("/search fox = %q", got)
	}
	if n := strings.Count(got, "\n"); n != 20 {
		t.Fatalf("the first page shows %d results", n)
	}
	submit(t, bob, "/search")
	got = strings.Join(texts(drain(bob), message.Notice), "\n")
	if !strings.HasPrefix(got, `300 messages match "fox"; 21-40 (/search alone shows 41-60):`) ||
		!strings.Contains(got, "<alice> fox 419") || strings.Contains(got, "fox 449") {
		t.Fatalf("second page = %q", got)
	}
	for i := 3; i < 15; i++ {
		submit(t, bob, "/search")
		drain(bob)
	}
	submit(t, bob, "/search")
	got = strings.Join(texts(drain(bob), message.Notice), "\n")
	if !strings.HasPrefix(got, `300 messages match "fox"; 281-300, the oldest:`) || !strings.HasSuffix(got, "<alice> fox 1") {
		t.Fatalf("last page = %q", got)
	}
	submit(t, bob, "/search")
	if got := strings.Join(texts(drain(bob), message.Notice), "\n"); !strings.Contains(got, "all 300 were shown") {
		t.Fatalf("past the end = %q", got)
	}
	// Paging belongs to the room searched.
	submit(t, bob, "/join #elsewhere")
	drain(bob)
	mustFail(t, bob, "/search", "usage")
}

// More missed than the in-memory tail holds (all of it, after a restart)
// still counts exactly the lines others said.
func TestUnreadCountsBeyondTheTail(t *testing.T) {
	h := newHub(t, Options{Store: &memory.Store{}, Tail: 1024})
	alice, bob := join(t, h, "alice"), join(t, h, "bob")
	for _, msg := range drain(alice) {
		alice.Read(msg.Room, msg.Seq)
	}
	alice.Leave("")
	var firstMissed uint64
	for i := 1; i <= 1500; i++ {
		submit(t, bob, fmt.Sprintf("missed %d", i))
		if i == 1 {
			firstMissed = h.LastSeq(Lobby)
		}
	}
	alice = join(t, h, "alice")
	defer alice.Leave("")
	// Lines older than the tail are read from the history to count them;
	// only lines others said count.
	if got := tab(alice, Lobby); got.Unread != 1500 || got.UnreadFrom != firstMissed {
		t.Fatalf("alice missed 1500 lines from seq %d; told %+v", firstMissed, got)
	}
}

// gatedHistory holds every After call until the test lets it go.
type gatedHistory struct {
	store.History
	entered chan struct{}
	gate    chan struct{}
}

func (g *gatedHistory) After(ctx context.Context, room string, seq uint64, limit int) ([]message.Message, error) {
	g.entered <- struct{}{}
	<-g.gate
	return g.History.After(ctx, room, seq, limit)
}

// Counting what someone coming back missed reads the history with no lock
// held: others join and talk meanwhile.
func TestCountingWhatWasMissedHoldsNoLock(t *testing.T) {
	store := &memory.Store{}
	h := newHub(t, Options{Store: store, Tail: 1024})
	alice, bob := join(t, h, "alice"), join(t, h, "bob")
	for _, msg := range drain(alice) {
		alice.Read(msg.Room, msg.Seq)
	}
	alice.Leave("")
	for i := 1; i <= 1100; i++ {
		submit(t, bob, fmt.Sprintf("missed %d", i))
	}
	gated := &gatedHistory{History: h.Opts().History, entered: make(chan struct{}), gate: make(chan struct{})}
	h.Opts().History = gated
	back := make(chan *Member, 1)
	go func() { back <- join(t, h, "alice") }()
	select {
	case <-gated.entered:
	case m := <-back:
		m.Leave("")
		t.Fatal("alice came back without reading what she missed from the history")
	}
	// The history read is under way: the hub must not be waiting on it.
	joined := make(chan *Member, 1)
	go func() { joined <- join(t, h, "carol") }()
	select {
	case carol := <-joined:
		carol.Leave("")
	case <-time.After(10 * time.Second):
		close(gated.gate)
		t.Fatal("carol could not join while alice's missed lines were being read")
	}
	close(gated.gate)
	alice = <-back
	defer alice.Leave("")
	if got := tab(alice, Lobby); got.Unread != 1100 {
		t.Fatalf("alice missed 1100 lines; told %+v", got)
	}
}
