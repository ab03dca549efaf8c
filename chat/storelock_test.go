package chat_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/chat/command"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/chat/nickname"
	"github.com/chatroom/chatroom/store"
	"github.com/chatroom/chatroom/store/memory"
)

// gatedStore holds the first call, once armed, to any of the methods named
// in gated until the test lets it go, as a stalled disk would; other calls
// pass.
type gatedStore struct {
	store.Store
	gated   []string
	armed   atomic.Bool
	entered chan string // the method held
	gate    chan struct{}
	once    sync.Once
}

func (g *gatedStore) hold(method string) {
	if !g.armed.Load() || !slices.Contains(g.gated, method) {
		return
	}
	held := false
	g.once.Do(func() { held = true })
	if held {
		g.entered <- method
		<-g.gate
	}
}

func (g *gatedStore) ClaimNick(ctx context.Context, fold, nick, key string, at time.Time) error {
	g.hold("ClaimNick")
	return g.Store.ClaimNick(ctx, fold, nick, key, at)
}

func (g *gatedStore) ClaimNicks(ctx context.Context, folds []string, nick, key string, at time.Time) error {
	g.hold("ClaimNicks")
	return g.Store.ClaimNicks(ctx, folds, nick, key, at)
}

func (g *gatedStore) PutSanction(ctx context.Context, s store.Sanction) error {
	g.hold("PutSanction")
	return g.Store.PutSanction(ctx, s)
}

func (g *gatedStore) SaveRead(ctx context.Context, key, room string, cursor uint64) error {
	g.hold("SaveRead")
	return g.Store.SaveRead(ctx, key, room, cursor)
}

func (g *gatedStore) SaveReads(ctx context.Context, key string, reads []store.Membership) error {
	g.hold("SaveReads")
	return g.Store.SaveReads(ctx, key, reads)
}

func (g *gatedStore) DeleteMembership(ctx context.Context, key, room string) error {
	g.hold("DeleteMembership")
	return g.Store.DeleteMembership(ctx, key, room)
}

func (g *gatedStore) PutRoomInfo(ctx context.Context, info store.RoomInfo) error {
	g.hold("PutRoomInfo")
	return g.Store.PutRoomInfo(ctx, info)
}

func (g *gatedStore) DeleteRoomInfo(ctx context.Context, name string) error {
	g.hold("DeleteRoomInfo")
	return g.Store.DeleteRoomInfo(ctx, name)
}

func (g *gatedStore) PutIgnore(ctx context.Context, owner string, ig store.Ignore) error {
	g.hold("PutIgnore")
	return g.Store.PutIgnore(ctx, owner, ig)
}

func (g *gatedStore) DeleteSanction(ctx context.Context, kind store.SanctionKind, target string) error {
	g.hold("DeleteSanction")
	return g.Store.DeleteSanction(ctx, kind, target)
}

func (g *gatedStore) PutSetting(ctx context.Context, name, value string) error {
	g.hold("PutSetting")
	return g.Store.PutSetting(ctx, name, value)
}

func (g *gatedStore) Invite(ctx context.Context, room string, keys ...string) error {
	g.hold("Invite")
	return g.Store.Invite(ctx, room, keys...)
}

// While an operation waits on the store, the hub goes on: nobody else's
// join, post or read waits for the disk behind the hub's lock.
func TestStoreWritesHoldNoHubLock(t *testing.T) {
	for _, c := range []struct {
		name  string
		gated []string // the st writes the operation makes
		setup func(t *testing.T, op, alice *Member)
		act   func(op, alice *Member) error
		check func(t *testing.T, h *Hub, st *memory.Store, op, alice *Member)
	}{
		{
			name:  "/delete",
			gated: []string{"DeleteRoomInfo"},
			setup: func(t *testing.T, op, alice *Member) {
				submit(t, alice, "/join #doomed")
				submit(t, alice, "said in #doomed")
			},
			act: func(op, _ *Member) error { _, err := op.DeleteRoom("#doomed", true); return err },
			check: func(t *testing.T, h *Hub, st *memory.Store, _, alice *Member) {
				if _, ok, _ := st.RoomInfo(context.Background(), "doomed"); ok {
					t.Error("#doomed is still in the store")
				}
				if tabs, _ := alice.Rooms(); slices.ContainsFunc(tabs, func(r RoomTab) bool { return r.Name == "doomed" }) {
					t.Error("alice is still in #doomed")
				}
			},
		},
		{
			name:  "/nick",
			gated: []string{"ClaimNick", "ClaimNicks"},
			act:   func(_, alice *Member) error { _, err := command.Submit(alice, "/nick alicia"); return err },
			check: func(t *testing.T, h *Hub, st *memory.Store, _, alice *Member) {
				if owner, _ := st.NickOwner(context.Background(), nickname.Keys("alicia")[0]); owner != alice.Key() || alice.Nick() != "alicia" {
					t.Errorf("alice is %s, alicia is registered to %q", alice.Nick(), owner)
				}
			},
		},
		{
			name:  "/ban",
			gated: []string{"PutSanction"},
			act:   func(op, _ *Member) error { return op.Ban("alice", 0, "test") },
			check: func(t *testing.T, h *Hub, st *memory.Store, _, alice *Member) {
				if _, banned := h.Banned(alice.Key(), ""); !banned {
					t.Error("alice is not banned")
				}
				select {
				case <-alice.Done():
				default:
					t.Error("alice's session is still open")
				}
			},
		},
		{
			name:  "leave",
			gated: []string{"SaveRead", "SaveReads", "DeleteMembership"},
			setup: func(t *testing.T, op, alice *Member) {
				submit(t, op, "for alice to read")
				for _, msg := range drain(alice) {
					alice.Read(msg.Room, msg.Seq)
				}
			},
			act: func(_, alice *Member) error { alice.Leave(""); return nil },
			check: func(t *testing.T, h *Hub, st *memory.Store, _, alice *Member) {
				list, _ := st.Memberships(context.Background(), alice.Key())
				if len(list) == 0 || list[0].Cursor == 0 {
					t.Errorf("alice's read position is not saved: %+v", list)
				}
			},
		},
		{
			name:  "/private",
			gated: []string{"PutRoomInfo", "Invite"},
			setup: func(t *testing.T, op, alice *Member) {
				submit(t, op, "/join #team")
				submit(t, alice, "/join #team")
			},
			act: func(op, _ *Member) error { return op.SetPrivate("team", true) },
			check: func(t *testing.T, h *Hub, st *memory.Store, _, alice *Member) {
				if info, _, _ := st.RoomInfo(context.Background(), "team"); !info.InviteOnly {
					t.Errorf("#team is not invite-only: %+v", info)
				}
				if in, _ := st.Invited(context.Background(), "team", alice.Key()); !in {
					t.Error("alice, in #team when it closed, is not invited")
				}
			},
		},
		{
			name:  "/topic",
			gated: []string{"PutRoomInfo"},
			setup: func(t *testing.T, op, _ *Member) { submit(t, op, "/join #team") },
			act:   func(op, _ *Member) error { return op.SetTopic("team", "plans") },
			check: func(t *testing.T, h *Hub, st *memory.Store, _, _ *Member) {
				if info, _, _ := st.RoomInfo(context.Background(), "team"); info.Topic != "plans" {
					t.Errorf("the topic is not stored: %+v", info)
				}
			},
		},
		{
			name:  "/join of a new room",
			gated: []string{"PutRoomInfo"},
			act:   func(_, alice *Member) error { return alice.Join("#fresh") },
			check: func(t *testing.T, h *Hub, st *memory.Store, _, alice *Member) {
				if _, ok, _ := st.RoomInfo(context.Background(), "fresh"); !ok {
					t.Error("#fresh is not stored")
				}
			},
		},
		{
			name:  "/invite",
			gated: []string{"Invite"},
			setup: func(t *testing.T, op, _ *Member) {
				submit(t, op, "/join #team")
				submit(t, op, "/private on")
			},
			act: func(op, _ *Member) error { return op.Invite("team", "alice") },
			check: func(t *testing.T, h *Hub, st *memory.Store, _, alice *Member) {
				if in, _ := st.Invited(context.Background(), "team", alice.Key()); !in {
					t.Error("alice is not invited")
				}
			},
		},
		{
			name:  "/ignore",
			gated: []string{"PutIgnore"},
			act:   func(op, alice *Member) error { _, err := command.Submit(alice, "/ignore "+op.Nick()); return err },
			check: func(t *testing.T, h *Hub, st *memory.Store, op, alice *Member) {
				if igs, _ := st.Ignores(context.Background(), alice.Key()); len(igs) != 1 || igs[0].Author != op.Author() {
					t.Errorf("alice's ignores: %+v", igs)
				}
			},
		},
		{
			name:  "/unban",
			gated: []string{"DeleteSanction"},
			setup: func(t *testing.T, op, _ *Member) { submit(t, op, "/ban 192.0.2.7") },
			act:   func(op, _ *Member) error { return op.Unban("192.0.2.7") },
			check: func(t *testing.T, h *Hub, st *memory.Store, _, _ *Member) {
				if _, banned := h.Banned("", "192.0.2.7"); banned {
					t.Error("192.0.2.7 is still banned")
				}
			},
		},
		{
			name:  "/motd",
			gated: []string{"PutSetting"},
			act:   func(op, _ *Member) error { return op.SetMOTD("welcome") },
			check: func(t *testing.T, h *Hub, st *memory.Store, op, _ *Member) {
				if motd, _ := st.Setting(context.Background(), SettingMOTD); motd != "welcome" || op.MOTD() != "welcome" {
					t.Errorf("the message of the day is %q, stored %q", op.MOTD(), motd)
				}
			},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := &memory.Store{}
			gated := &gatedStore{Store: st, gated: c.gated, entered: make(chan string, 1), gate: make(chan struct{})}
			h := newHub(t, Options{Store: gated, Operators: opSet{key("op"): true}})
			op, alice, bob := join(t, h, "op"), join(t, h, "alice"), join(t, h, "bob")
			defer bob.Leave("")
			defer op.Leave("")
			if c.setup != nil {
				c.setup(t, op, alice)
			}
			drain(bob)
			done := make(chan error, 1)
			gated.armed.Store(true)
			go func() { done <- c.act(op, alice) }()
			select {
			case <-gated.entered:
			case err := <-done:
				t.Fatalf("%s did not write to the store (%v)", c.name, err)
			}
			// The write is held. Others go on: carol comes, bob talks, and
			// carol reads it.
			others := make(chan error, 1)
			var carol *Member
			go func() {
				var err error
				if carol, err = h.Join(Identity{Key: key("carol"), Nick: "carol", Addr: "127.0.0.1:1"}); err != nil {
					others <- err
					return
				}
				_, err = command.Submit(bob, "still here")
				others <- err
			}()
			select {
			case err := <-others:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(10 * time.Second):
				close(gated.gate)
				t.Fatalf("carol could not join, or bob post, while %s waited on the store", c.name)
			}
			for heard := false; !heard; {
				select {
				case <-carol.Wake():
					heard = slices.ContainsFunc(carol.Next(), func(m message.Message) bool { return strings.Contains(m.Text, "still here") })
				case <-time.After(10 * time.Second):
					close(gated.gate)
					t.Fatalf("carol did not read bob's line while %s waited on the store", c.name)
				}
			}
			close(gated.gate)
			if err := <-done; err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			h.WaitWrites()
			c.check(t, h, st, op, alice)
			carol.Leave("")
			alice.Leave("")
		})
	}
}

// The writes of changes made under the hub's lock reach the st in the
// order of the changes, even when one ahead of them is slow: a room left
// and entered again is recorded as entered.
func TestStoreWritesKeepTheOrderOfChanges(t *testing.T) {
	st := &memory.Store{}
	gated := &gatedStore{Store: st, gated: []string{"PutIgnore"}, entered: make(chan string, 1), gate: make(chan struct{})}
	h := newHub(t, Options{Store: gated})
	alice, bob := join(t, h, "alice"), join(t, h, "bob")
	defer bob.Leave("")
	defer alice.Leave("")
	submit(t, alice, "/join #x")
	gated.armed.Store(true)
	ignored := make(chan error, 1)
	go func() { _, err := command.Submit(bob, "/ignore alice"); ignored <- err }()
	<-gated.entered
	inX := func() bool {
		list, _ := st.Memberships(context.Background(), alice.Key())
		return slices.ContainsFunc(list, func(ms store.Membership) bool { return ms.Room == "x" })
	}
	submit(t, alice, "/part")
	if !inX() {
		close(gated.gate)
		t.Fatal("leaving #x was stored ahead of the write before it")
	}
	submit(t, alice, "/join #x")
	close(gated.gate)
	if err := <-ignored; err != nil {
		t.Fatal(err)
	}
	h.WaitWrites()
	if !inX() {
		t.Fatal("alice is in #x, but the store says she left it")
	}
}

// joinGatedHistory holds the first Append of a join line in room, once
// armed, until the test lets it go, as a stalled disk would.
type joinGatedHistory struct {
	memory.History
	room    string
	armed   atomic.Bool
	entered chan struct{}
	gate    chan struct{}
}

func (g *joinGatedHistory) Append(ctx context.Context, room string, m message.Message) error {
	if room == g.room && m.Kind == message.Join && g.armed.CompareAndSwap(true, false) {
		g.entered <- struct{}{}
		<-g.gate
	}
	return g.History.Append(ctx, room, m)
}

// A server line is stored as a post is, after the hub's lock is let go:
// while a join line waits on the disk, others still join, post and read,
// and the join line keeps its place in the log.
func TestServerLinesAreStoredWithoutTheHubLock(t *testing.T) {
	hist := &joinGatedHistory{room: "x", entered: make(chan struct{}), gate: make(chan struct{})}
	h := newHub(t, Options{History: hist})
	alice, bob := join(t, h, "alice"), join(t, h, "bob")
	submit(t, bob, "/join #x")
	submit(t, bob, "before")
	drain(bob)
	hist.armed.Store(true)
	joined := make(chan error, 1)
	go func() { _, err := command.Submit(alice, "/join #x"); joined <- err }()
	<-hist.entered // alice's join line is being stored

	others := make(chan error, 1)
	var carol *Member
	go func() {
		var err error
		if carol, err = h.Join(Identity{Key: key("carol"), Nick: "carol", Addr: "127.0.0.1:1"}); err != nil {
			others <- err
			return
		}
		others <- bob.SayIn(Lobby, "still here")
	}()
	select {
	case err := <-others:
		if err != nil {
			close(hist.gate)
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		close(hist.gate)
		t.Fatal("carol could not join, or bob post, while a join line waited on the store")
	}
	for heard := false; !heard; {
		select {
		case <-carol.Wake():
			heard = slices.ContainsFunc(carol.Next(), func(m message.Message) bool { return m.Text == "still here" })
		case <-time.After(10 * time.Second):
			close(hist.gate)
			t.Fatal("carol did not read bob's line while a join line waited on the store")
		}
	}
	// Nobody in #x sees the join line before it is stored.
	if got := slices.DeleteFunc(kinds(drain(bob), message.Join), func(m message.Message) bool { return m.Room != "x" }); len(got) != 0 {
		close(hist.gate)
		t.Fatalf("bob saw %+v in #x before it was stored", got)
	}
	close(hist.gate)
	if err := <-joined; err != nil {
		t.Fatal(err)
	}
	submit(t, bob, "after")
	var inX []message.Message
	for _, m := range drain(bob) {
		if m.Room == "x" && !m.Private {
			inX = append(inX, m)
		}
	}
	stored, err := hist.History.After(context.Background(), "x", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(inX) != 2 || inX[0].Kind != message.Join || inX[0].Nick != "alice" || inX[1].Text != "after" {
		t.Fatalf("bob read #x as %+v", inX)
	}
	if got := texts(stored, message.Chat); !slices.Equal(got, []string{"before", "after"}) || stored[len(stored)-2].Kind != message.Join {
		t.Fatalf("#x stored as %+v", stored)
	}
	carol.Leave("")
	alice.Leave("")
	bob.Leave("")
}

// readGated holds the first read, once armed, of the method named, for the
// room named, until the test lets it go: a disk stalled on a read.
type readGated struct {
	store.Store
	memory.History
	method, room string
	armed        atomic.Bool
	entered      chan struct{}
	gate         chan struct{}
}

func (g *readGated) hold(method, room string) {
	if method == g.method && room == g.room && g.armed.CompareAndSwap(true, false) {
		g.entered <- struct{}{}
		<-g.gate
	}
}

func (g *readGated) RoomInfo(ctx context.Context, name string) (store.RoomInfo, bool, error) {
	g.hold("RoomInfo", name)
	return g.Store.RoomInfo(ctx, name)
}

func (g *readGated) Invited(ctx context.Context, room, key string) (bool, error) {
	g.hold("Invited", room)
	return g.Store.Invited(ctx, room, key)
}

func (g *readGated) LastSeq(ctx context.Context, room string) (uint64, error) {
	g.hold("LastSeq", room)
	return g.History.LastSeq(ctx, room)
}

func (g *readGated) After(ctx context.Context, room string, seq uint64, limit int) ([]message.Message, error) {
	g.hold("After", room)
	return g.History.After(ctx, room, seq, limit)
}

// Opening a room reads its record (settings, log bounds, the invitation of
// whoever enters) before the hub's lock is taken: a crowd coming back
// after a restart, each rejoining their rooms, must not read the disk one
// by one under it. While one such read stalls, others join and talk.
func TestOpeningRoomsReadsTheStoreOutsideTheLock(t *testing.T) {
	for _, c := range []struct{ method, room string }{
		{"RoomInfo", "team"}, {"Invited", "team"}, {"LastSeq", "team"}, {"After", "team"},
		{"LastSeq", "x"}, // a room /join opens
	} {
		t.Run(c.method+" "+c.room, func(t *testing.T) {
			g := &readGated{Store: &memory.Store{}, method: c.method, room: c.room, entered: make(chan struct{}, 1), gate: make(chan struct{})}
			ops := opSet{key("op"): true}
			h := newHub(t, Options{Store: g, History: g, Operators: ops})
			op, alice := join(t, h, "op"), join(t, h, "alice")
			submit(t, op, "/join #team")
			submit(t, op, "/private on")
			submit(t, op, "/invite alice")
			submit(t, op, "said in #team")
			submit(t, op, "/join #x")
			submit(t, op, "said in #x")
			submit(t, alice, "/join #team")
			alice.Leave("")
			op.Leave("")
			h.Shutdown()

			// After a restart no room is open: alice's join opens #team
			// again, and her /join opens #x.
			h = newHub(t, Options{Store: g, History: g, Operators: ops})
			bob := join(t, h, "bob")
			g.armed.Store(true)
			done := make(chan error, 1)
			go func() {
				m, err := h.Join(Identity{Key: key("alice"), Nick: "alice", Addr: "127.0.0.1:1", Location: time.UTC})
				if err == nil && c.room == "x" {
					err = m.Join("#x")
				}
				done <- err
			}()
			select {
			case <-g.entered:
			case err := <-done:
				t.Fatalf("alice came back without reading %s of #%s (err %v)", c.method, c.room, err)
			}
			others := make(chan error, 1)
			go func() {
				if _, err := h.Join(Identity{Key: key("carol"), Nick: "carol", Addr: "127.0.0.1:1"}); err != nil {
					others <- err
					return
				}
				others <- bob.Say("still here")
			}()
			select {
			case err := <-others:
				if err != nil {
					close(g.gate)
					t.Fatal(err)
				}
			case <-time.After(10 * time.Second):
				close(g.gate)
				t.Fatalf("carol could not join, or bob post, while %s of #%s was read", c.method, c.room)
			}
			close(g.gate)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if c.room == "team" && !slices.ContainsFunc(h.LoadedRoom("team").Online(), func(o Online) bool { return o.Nick == "alice" }) {
				t.Fatal("alice is not back in #team")
			}
		})
	}
}
