package chat_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/chat/command"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/store/memory"
)

// device joins another session of name's key, as a second device would,
// under the ssh user name user.
func device(t *testing.T, h *Hub, name, user string, alive func(context.Context) error) *Member {
	t.Helper()
	m, err := h.Join(Identity{Key: key(name), Nick: user, Addr: "127.0.0.2:1", Location: time.UTC, Alive: alive})
	if err != nil {
		t.Fatalf("join %s as %s: %v", name, user, err)
	}
	return m
}

// One key on two devices is one person under one nick: one join line,
// counted once, its lines shown once and as its own on both.
func TestOneKeyOnTwoDevicesIsOnePerson(t *testing.T) {
	h := newHub(t, Options{})
	laptop := join(t, h, "alice")
	bob := join(t, h, "bob")
	drain(laptop)
	drain(bob)

	desktop := device(t, h, "alice", "al", nil)
	if desktop.Nick() != "alice" {
		t.Fatalf("the second device is %q, want alice", desktop.Nick())
	}
	if isDone(laptop) {
		t.Fatal("the second device closed the first")
	}
	welcome := strings.Join(texts(drain(desktop), message.Notice), "\n")
	for _, want := range []string{"Online (2)", "You are alice, as on your other sessions", "also connected from 1 other session"} {
		if !strings.Contains(welcome, want) {
			t.Fatalf("the second device's welcome lacks %q:\n%s", want, welcome)
		}
	}
	if got := kinds(drain(bob), message.Join); len(got) != 0 {
		t.Fatalf("a second device was announced: %+v", got)
	}
	if got := mustLobby(t, h).Online(); len(got) != 2 {
		t.Fatalf("the lobby lists %+v, want alice and bob once each", got)
	}
	submit(t, bob, "/names")
	if got := strings.Join(texts(drain(bob), message.Notice), "\n"); !strings.Contains(got, "Online in #lobby (2): alice, bob") {
		t.Fatalf("/names said %q", got)
	}
	submit(t, bob, "/whois alice")
	if got := strings.Join(texts(drain(bob), message.Notice), "\n"); !strings.Contains(got, "on 2 devices") {
		t.Fatalf("/whois said %q", got)
	}

	submit(t, bob, "hi alice")
	drain(bob)
	for _, m := range []*Member{laptop, desktop} {
		if got := texts(drain(m), message.Chat); !slices.Equal(got, []string{"hi alice"}) {
			t.Fatalf("%p got %q", m, got)
		}
	}
	submit(t, desktop, "hi from my desktop")
	mine := kinds(drain(laptop), message.Chat)
	if len(mine) != 1 || mine[0].Author != laptop.Author() || mine[0].Nick != "alice" {
		t.Fatalf("the laptop got %+v, want the line as its own", mine)
	}
	if got := texts(drain(bob), message.Chat); !slices.Equal(got, []string{"hi from my desktop"}) {
		t.Fatalf("bob got %q, want the line once", got)
	}
}

// Only the person's last session leaving is a leave.
func TestOnlyTheLastDeviceLeavingIsNews(t *testing.T) {
	clock := newFakeClock()
	h := newHub(t, Options{Now: clock.Now, AfterFunc: clock.AfterFunc})
	laptop := join(t, h, "alice")
	desktop := device(t, h, "alice", "alice", nil)
	bob := join(t, h, "bob")
	drain(bob)
	if isDone(laptop) {
		t.Fatal("the second device closed the first")
	}

	laptop.Leave("quit")
	clock.Advance(time.Hour) // past the minute a leave line waits
	if got := kinds(drain(bob), message.Leave); len(got) != 0 {
		t.Fatalf("one device of two leaving was announced: %+v", got)
	}
	if got := mustLobby(t, h).Online(); len(got) != 2 {
		t.Fatalf("after one device left the lobby lists %+v", got)
	}
	submit(t, bob, "/msg alice still there?")
	if got := texts(drain(desktop), message.Chat); !slices.Contains(got, "still there?") {
		t.Fatalf("the remaining device got %q", got)
	}
	desktop.Leave("quit")
	clock.Advance(time.Hour)
	if got := kinds(drain(bob), message.Leave); len(got) != 1 || got[0].Nick != "alice" {
		t.Fatalf("the last device leaving showed %+v, want one leave", got)
	}
	if again := join(t, h, "alice"); again.Nick() != "alice" {
		t.Fatalf("the nick was not free after the last device left: %s", again.Nick())
	}
}

// /nick on one device renames the person on all, with one line.
func TestNickChangeRenamesEveryDevice(t *testing.T) {
	h := newHub(t, Options{})
	laptop := join(t, h, "alice")
	desktop := device(t, h, "alice", "alice", nil)
	bob := join(t, h, "bob")
	drain(bob)
	drain(desktop)

	submit(t, laptop, "/nick alicia")
	if desktop.Nick() != "alicia" {
		t.Fatalf("the other device is still %q", desktop.Nick())
	}
	if got := kinds(drain(bob), message.NickChange); len(got) != 1 || got[0].Text != "alicia" {
		t.Fatalf("bob saw %+v, want one nick change", got)
	}
	if got := kinds(drain(desktop), message.NickChange); len(got) != 1 {
		t.Fatalf("the other device saw %+v, want one nick change", got)
	}
	// Either device may change case, which is its own nick.
	submit(t, desktop, "/nick Alicia")
	laptop.Leave("quit") // the nick stays findable through the other device
	submit(t, bob, "/msg alicia hi")
	if got := texts(drain(desktop), message.Chat); !slices.Contains(got, "hi") {
		t.Fatalf("a message to the renamed nick got to the other device as %q", got)
	}
	if other := join(t, h, "alicia"); other.Nick() == "alicia" || other.Nick() == "Alicia" {
		t.Fatal("another key took the nick of an online person")
	}
}

// Rooms are the person's: joining, leaving and conversations follow on
// every device, silently.
func TestRoomsFollowThePersonAcrossDevices(t *testing.T) {
	h := newHub(t, Options{})
	laptop := join(t, h, "alice")
	desktop := device(t, h, "alice", "alice", nil)
	bob := join(t, h, "bob")
	submit(t, bob, "/join #go")
	drain(bob)

	submit(t, laptop, "/join #go")
	if got := tabs(desktop); !slices.Contains(got, "#go") {
		t.Fatalf("the other device is in %q, want #go too", got)
	}
	if current(desktop) != Lobby {
		t.Fatalf("the other device moved to %q; it should stay where it looks", current(desktop))
	}
	if got := kinds(inRoom(drain(bob), "go"), message.Join); len(got) != 1 {
		t.Fatalf("bob saw %+v in #go, want one join", got)
	}
	submit(t, bob, "in go")
	if got := texts(inRoom(drain(desktop), "go"), message.Chat); !slices.Contains(got, "in go") {
		t.Fatalf("the other device got %q in #go", got)
	}

	submit(t, laptop, "/part")
	if got := tabs(desktop); slices.Contains(got, "#go") {
		t.Fatalf("the other device is still in %q", got)
	}
	if got := kinds(inRoom(drain(bob), "go"), message.Leave); len(got) != 1 {
		t.Fatalf("bob saw %+v in #go, want one leave", got)
	}

	// A conversation opened on one device is open on the other, and what
	// comes back reaches both.
	submit(t, laptop, "/msg bob private")
	dm := current(laptop)
	if !slices.Contains(tabs(desktop), "@bob") {
		t.Fatalf("the other device has %q, want @bob", tabs(desktop))
	}
	drain(bob)
	bob.Switch(dm, 0)
	submit(t, bob, "private answer")
	for _, m := range []*Member{laptop, desktop} {
		if got := texts(inRoom(drain(m), dm), message.Chat); !slices.Contains(got, "private answer") {
			t.Fatalf("a device got %q in the conversation", got)
		}
	}
	// A third device comes in with them all.
	third := device(t, h, "alice", "alice", nil)
	if got := tabs(third); !slices.Contains(got, "@bob") {
		t.Fatalf("a new device opened %q", got)
	}
}

// What one device has read is read on the others: their counts drop,
// and the saved position is the furthest.
func TestReadingOnOneDeviceIsReadOnAll(t *testing.T) {
	store := &memory.Store{}
	h := newHub(t, Options{Store: store})
	laptop := join(t, h, "alice")
	desktop := device(t, h, "alice", "alice", nil)
	bob := join(t, h, "bob")
	drain(laptop)
	drain(desktop)
	for i := range 3 {
		submit(t, bob, fmt.Sprintf("line %d", i))
	}
	got := drain(laptop)
	last := got[len(got)-1].Seq
	drain(desktop)

	desktop.Update()
	laptop.Read(Lobby, last)
	if !desktop.Update().ReadsChanged {
		t.Fatal("the other device was not told")
	}
	select {
	case <-desktop.Wake():
	default:
		t.Fatal("the other device was not woken to catch up")
	}
	if got := desktop.ReadTo(Lobby); got != last {
		t.Fatalf("the other device has read to %d, want %d", got, last)
	}
	// Never back: a device behind does not undo it.
	desktop.Read(Lobby, last-2)
	if laptop.ReadTo(Lobby) != last || desktop.Update().ReadsChanged {
		t.Fatal("reading less moved something")
	}
	if err := h.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	laptop.Leave("quit")
	desktop.Leave("quit")
	list, _ := store.Memberships(context.Background(), key("alice"))
	for _, ms := range list {
		if ms.Room == Lobby && ms.Cursor != last {
			t.Fatalf("saved read position %d, want %d", ms.Cursor, last)
		}
	}
}

// probe is a fake liveness check whose answer a test sets.
type probe struct {
	gone  atomic.Bool
	hang  atomic.Bool // no answer at all: waits for the deadline
	asked atomic.Int32
}

func (p *probe) alive(ctx context.Context) error {
	p.asked.Add(1)
	if p.hang.Load() {
		<-ctx.Done()
		return ctx.Err()
	}
	if p.gone.Load() {
		return errors.New("connection lost")
	}
	return nil
}

// A key has at most MaxSessionsPerKey sessions: one more is let in only in
// place of those that no longer answer, else refused.
func TestSessionCapReplacesOnlySessionsThatDoNotAnswer(t *testing.T) {
	h := newHub(t, Options{AliveTimeout: 50 * time.Millisecond})
	bob := join(t, h, "bob")
	var probes []*probe
	var sessions []*Member
	for range MaxSessionsPerKey {
		p := &probe{}
		probes = append(probes, p)
		sessions = append(sessions, device(t, h, "alice", "alice", p.alive))
	}
	drain(bob)
	for _, p := range probes {
		if p.asked.Load() != 0 {
			t.Fatal("sessions under the cap were asked whether they are alive")
		}
	}

	_, err := h.Join(Identity{Key: key("alice"), Nick: "alice", Addr: "127.0.0.2:1"})
	if !errors.Is(err, ErrTooManySessions) || !strings.Contains(err.Error(), "you already have 5 sessions open with this key; close one to open another") {
		t.Fatalf("a sixth session while five answer: %v", err)
	}
	for i, p := range probes {
		if p.asked.Load() != 1 {
			t.Fatalf("session %d was asked %d times", i, p.asked.Load())
		}
	}
	for i, m := range sessions {
		if isDone(m) {
			t.Fatalf("session %d, which answers, was closed", i)
		}
	}

	probes[1].gone.Store(true)
	probes[3].hang.Store(true)
	sixth := device(t, h, "alice", "alice", nil)
	for i, m := range sessions {
		want := i == 1 || i == 3
		if isDone(m) != want {
			t.Fatalf("session %d closed=%v, want %v", i, isDone(m), want)
		}
		if want && !strings.Contains(m.ClosedReason(), "connected again") || want && m.EndReason() != "replaced by a new session" {
			t.Fatalf("session %d was told %q (%q)", i, m.ClosedReason(), m.EndReason())
		}
	}
	if sixth.Nick() != "alice" {
		t.Fatalf("the new session is %q", sixth.Nick())
	}
	if got := drain(bob); len(kinds(got, message.Join))+len(kinds(got, message.Leave)) != 0 {
		t.Fatalf("replacing hung sessions was announced: %+v", got)
	}

	// Keyless sessions are people of their own: no cap, no sharing.
	a, b := join0(t, h, "anon"), join0(t, h, "anon")
	if a.Nick() == b.Nick() {
		t.Fatal("two keyless sessions share a nick")
	}
}

// When every session of the key hung, the new one comes back as a
// reconnect.
func TestAllSessionsHungIsAReconnect(t *testing.T) {
	h := newHub(t, Options{})
	bob := join(t, h, "bob")
	p := &probe{}
	p.gone.Store(true)
	for range MaxSessionsPerKey {
		device(t, h, "alice", "alice", p.alive)
	}
	drain(bob)
	device(t, h, "alice", "alice", nil)
	got := drain(bob)
	if joins := kinds(got, message.Join); len(joins) != 1 || joins[0].Text != "reconnected" || len(kinds(got, message.Leave)) != 0 {
		t.Fatalf("bob saw %+v, want one reconnect and no leave", got)
	}
}

func join0(t *testing.T, h *Hub, nick string) *Member {
	t.Helper()
	m, err := h.Join(Identity{Nick: nick, Addr: "127.0.0.3:1"})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// An invitation reaches every device, and accepting it on one brings all
// into the room.
func TestInvitationReachesEveryDevice(t *testing.T) {
	h := newHub(t, Options{Operators: opSet{key("boss"): true}})
	op := joinAs(t, h, "boss", key("boss"), "10.0.0.1")
	laptop := join(t, h, "alice")
	desktop := device(t, h, "alice", "alice", nil)
	submit(t, op, "/join #staff")
	submit(t, op, "/private on")
	drain(laptop)
	drain(desktop)
	submit(t, op, "/invite alice")
	for _, m := range []*Member{laptop, desktop} {
		if got := strings.Join(texts(drain(m), message.Notice), "\n"); !strings.Contains(got, "invited you to #staff") {
			t.Fatalf("a device was told %q", got)
		}
	}
	submit(t, desktop, "/join #staff")
	if got := tabs(laptop); !slices.Contains(got, "#staff") {
		t.Fatalf("the laptop is in %q after accepting on the desktop", got)
	}
}

// /away is the person's: set on one device, it shows for all, and /back
// on another ends it.
func TestAwayIsThePersons(t *testing.T) {
	h := newHub(t, Options{})
	laptop := join(t, h, "alice")
	desktop := device(t, h, "alice", "alice", nil)
	bob := join(t, h, "bob")
	submit(t, laptop, "/away lunch")
	submit(t, bob, "/whois alice")
	if got := strings.Join(texts(drain(bob), message.Notice), "\n"); !strings.Contains(got, "away since") || !strings.Contains(got, "lunch") {
		t.Fatalf("/whois said %q", got)
	}
	submit(t, desktop, "/back")
	submit(t, bob, "/names")
	if got := strings.Join(texts(drain(bob), message.Notice), "\n"); strings.Contains(got, "away") {
		t.Fatalf("/names after /back on the other device: %q", got)
	}
}

// A second device is no way round the rate limit: the person's devices
// share one allowance.
func TestDevicesShareOneRateLimit(t *testing.T) {
	h := newHub(t, Options{MessageRate: 0.001, MessageBurst: 3})
	laptop := join(t, h, "alice")
	desktop := device(t, h, "alice", "alice", nil)
	for i := range 3 {
		submit(t, laptop, fmt.Sprintf("line %d", i))
	}
	_, err := command.Submit(desktop, "one more from the desktop")
	var limited *LimitError
	if !errors.As(err, &limited) {
		t.Fatalf("the desktop posted past the laptop's spent burst: %v", err)
	}
}

// /ignore on one device holds on the person's others at once.
func TestIgnoreHoldsOnEveryDevice(t *testing.T) {
	h := newHub(t, Options{})
	laptop := join(t, h, "alice")
	desktop := device(t, h, "alice", "alice", nil)
	mallory := join(t, h, "mallory")
	submit(t, laptop, "/ignore mallory")
	drain(laptop)
	drain(desktop)
	submit(t, mallory, "spam")
	for _, m := range drain(desktop) {
		if m.Nick == "mallory" && m.Kind == message.Chat {
			t.Fatalf("the desktop was shown %q from someone its person ignores", m.Text)
		}
	}
}

// Operator rights given or set aside are the person's, on every device,
// and a device that connects later has them too: rights that followed one
// window would let a person act on one and be refused on the other.
func TestOperatorRightsAreThePersons(t *testing.T) {
	h := newHub(t, Options{Operators: opSet{key("op"): true}})
	op := join(t, h, "op")
	phone := join(t, h, "bob")
	laptop := device(t, h, "bob", "bob", nil)
	isOp := func(m *Member) bool { _, err := m.Sanctions(); return err == nil }

	if err := op.SetOp("bob", true); err != nil {
		t.Fatal(err)
	}
	if !isOp(phone) || !isOp(laptop) {
		t.Fatalf("after /op bob: phone op %v, laptop op %v; want both", isOp(phone), isOp(laptop))
	}
	desktop := device(t, h, "bob", "bob", nil)
	if !isOp(desktop) {
		t.Fatal("a device bob connects after /op is not an operator")
	}
	if err := op.SetOp("bob", false); err != nil {
		t.Fatal(err)
	}
	for name, m := range map[string]*Member{"phone": phone, "laptop": laptop, "desktop": desktop} {
		if isOp(m) {
			t.Errorf("after /deop bob, bob's %s is still an operator", name)
		}
	}

	// A listed operator setting rights aside does so on every device.
	op2 := device(t, h, "op", "op", nil)
	if err := op.SetOp("", false); err != nil {
		t.Fatal(err)
	}
	if isOp(op) || isOp(op2) {
		t.Fatalf("after /deop: op %v, op's second device %v; want neither", isOp(op), isOp(op2))
	}
	if err := op2.SetOp("", true); err != nil {
		t.Fatal(err)
	}
	if !isOp(op) || !isOp(op2) {
		t.Fatalf("after /op from the second device: op %v, second %v; want both", isOp(op), isOp(op2))
	}
}
