package chat_test

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	. "github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/chat/command"

	"go.uber.org/goleak"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/fakeclock"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// key is a well-formed fingerprint made from name, so tests can tell keys
// apart by name.
func key(name string) string {
	sum := sha256.Sum256([]byte(name))
	return "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
}

// fixedClock makes message times predictable.
func fixedClock() time.Time { return time.Date(2026, 11, 25, 12, 34, 0, 0, time.UTC) }

// newFakeClock is a clock the test moves by hand, from fixedClock.
func newFakeClock() *fakeclock.Clock { return fakeclock.New(fixedClock()) }

// newHub returns a hub for tests. Unless a test sets its own, rate limits
// are lifted so that tests posting many lines measure what they mean to;
// the limits have tests of their own.
func newHub(t testing.TB, opts Options) *Hub {
	t.Helper()
	if opts.Now == nil {
		opts.Now = fixedClock
	}
	if opts.MessageRate == 0 {
		opts.MessageRate, opts.MessageBurst = 1e9, 1<<30
	}
	h, err := NewHub(opts)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func join(t *testing.T, h *Hub, nick string) *Member {
	t.Helper()
	m, err := h.Join(Identity{Key: key(nick), Nick: nick, Addr: "127.0.0.1:1", Location: time.UTC})
	if err != nil {
		t.Fatalf("join %s: %v", nick, err)
	}
	return m
}

// drain reads everything a member has, as Next would over many wakes.
func drain(m *Member) []message.Message {
	var all []message.Message
	for {
		select {
		case <-m.Wake():
			all = append(all, m.Next()...)
		default:
			return all
		}
	}
}

func texts(msgs []message.Message, kind message.Kind) []string {
	var out []string
	for _, m := range msgs {
		if m.Kind == kind {
			out = append(out, m.Text)
		}
	}
	return out
}

func submit(t *testing.T, m *Member, line string) command.Effect {
	t.Helper()
	eff, err := command.Submit(m, line)
	if err != nil {
		t.Fatalf("submit %q: %v", line, err)
	}
	return eff
}

func TestJoinAndLeaveAreAnnounced(t *testing.T) {
	clock := newFakeClock()
	h := newHub(t, Options{Now: clock.Now, AfterFunc: clock.AfterFunc})
	alice := join(t, h, "alice")
	drain(alice)
	bob := join(t, h, "bob")

	got := drain(alice)
	if len(got) != 1 || got[0].Kind != message.Join || got[0].Nick != "bob" {
		t.Fatalf("alice saw %+v, want bob's join", got)
	}
	welcome := texts(drain(bob), message.Notice)
	if len(welcome) != 1 || !strings.Contains(welcome[0], "Welcome to chatroom!") ||
		!strings.Contains(welcome[0], "Online (2): alice, bob") {
		t.Fatalf("bob's welcome = %q", welcome)
	}

	bob.Leave("quit")
	bob.Leave("twice") // only the first counts
	if got = drain(alice); len(got) != 0 {
		t.Fatalf("alice saw %+v at once; a leave line waits out the reconnect grace", got)
	}
	clock.Advance(ReconnectGrace)
	got = drain(alice)
	if len(got) != 1 || got[0].Kind != message.Leave || got[0].Nick != "bob" || got[0].Text != "quit" {
		t.Fatalf("alice saw %+v, want one leave of bob (quit)", got)
	}
	select {
	case <-bob.Done():
	default:
		t.Fatal("Done not closed after Leave")
	}
	if err := bob.Say("hello?"); !errors.Is(err, ErrLeft) {
		t.Fatalf("Say after leave: %v, want ErrLeft", err)
	}
	if online := mustLobby(t, h).Online(); len(online) != 1 || online[0].Nick != "alice" {
		t.Fatalf("online = %+v", online)
	}
}

func mustLobby(t *testing.T, h *Hub) *Room {
	t.Helper()
	r, err := h.Room(Lobby)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestNicksAreCleanedAndUnique(t *testing.T) {
	h := newHub(t, Options{})
	long := strings.Repeat("x", 30)
	cases := []struct {
		asked, want, why string
	}{
		{"alice", "alice", ""},
		{"Alice", "Alice-2", "The nick Alice is taken, so you are Alice-2"},
		{"ALICE", "ALICE-3", "taken"},
		{"аlice", "аlice-4", "looks too much like alice"}, // Cyrillic а
		{"bob smith!", "bobsmith", "was cleaned to bobsmith"},
		{"\x1b[31mred", "31mred", "was cleaned"},
		{"", "guest", "cannot be a nick"},
		{"@@@", "guest-2", "cannot be a nick"},
		{"you", "you-2", "reserved"},
		{"Server", "Server-2", "reserved"},
		{"уоu", "уоu-3", "reserved"}, // Cyrillic у and о; уоu-2 looks like you-2
		{long, strings.Repeat("x", 24), "was cleaned"},
		{long + "y", strings.Repeat("x", 22) + "-2", "but the nick " + strings.Repeat("x", 24) + " is taken"},
		{"日本語", "日本語", ""},
		{"d.o-t_s", "d.o-t_s", ""},
	}
	for _, c := range cases {
		m := join(t, h, c.asked)
		if got := m.Nick(); got != c.want {
			t.Errorf("asked %q: got nick %q, want %q", c.asked, got, c.want)
		}
		welcome := strings.Join(texts(drain(m), message.Notice), "\n")
		if c.why == "" && strings.Contains(welcome, "Change it with /nick") {
			t.Errorf("asked %q: unexpected explanation in %q", c.asked, welcome)
		}
		if c.why != "" && !strings.Contains(welcome, c.why) {
			t.Errorf("asked %q: welcome %q does not say %q", c.asked, welcome, c.why)
		}
	}
}

func TestNickCommand(t *testing.T) {
	h := newHub(t, Options{})
	alice := join(t, h, "alice")
	bob := join(t, h, "bob")
	drain(alice)
	drain(bob)

	submit(t, alice, "/nick al")
	got := drain(bob)
	if len(got) != 1 || got[0].Kind != message.NickChange || got[0].Nick != "alice" || got[0].Text != "al" {
		t.Fatalf("bob saw %+v, want alice -> al", got)
	}
	if alice.Nick() != "al" {
		t.Fatalf("nick = %q", alice.Nick())
	}
	// The old nick stays registered to alice's key; the new one is taken.
	if _, err := command.Submit(bob, "/nick alice"); err == nil || !strings.Contains(err.Error(), "registered to another key") {
		t.Fatalf("bob took alice's registered nick: %v", err)
	}
	submit(t, bob, "/nick alicia")
	for _, bad := range []struct{ line, want string }{
		{"/nick ALICIA", "taken"},
		{"/nick Alicia", "taken"},
		{"/nick аlicia", "looks too much like alicia"},
		{"/nick ali\u200bcia", "holds an invisible character (U+200B)"},
		{"/nick ali\u202ecia", "holds an invisible direction-changing character (U+202E)"},
		{"/nick al", "already al"},
		{"/nick bad nick", "not a valid nick"},
		{"/nick \x1b[2J", "not a valid nick"},
		{"/nick " + strings.Repeat("z", 25), "not a valid nick"},
		{"/nick", "usage: /nick NEW"},
		{"/nick you", "reserved"},
	} {
		_, err := command.Submit(alice, bad.line)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: err = %v, want it to say %q", bad.line, err, bad.want)
		}
		if err != nil && strings.ContainsRune(err.Error(), '\x1b') {
			t.Errorf("%q: error echoes a raw escape: %q", bad.line, err)
		}
	}
	// Changing only the case of your own nick is allowed.
	submit(t, alice, "/nick AL")
	if alice.Nick() != "AL" {
		t.Fatalf("nick = %q, want AL", alice.Nick())
	}
}

func TestCommands(t *testing.T) {
	clock := newFakeClock()
	h := newHub(t, Options{Now: clock.Now, AfterFunc: clock.AfterFunc})
	alice := join(t, h, "alice")
	bob := join(t, h, "bob")
	drain(alice)
	drain(bob)

	submit(t, alice, "/help")
	help := strings.Join(texts(drain(alice), message.Notice), "\n")
	for _, c := range command.Commands() {
		listed := strings.Contains(help, c.Usage()) && strings.Contains(help, c.Help)
		if listed != (c.Who == command.ForEveryone) {
			t.Errorf("/help for a non-operator: %s listed = %v:\n%s", c.Usage(), listed, help)
		}
	}
	if !strings.Contains(help, "(also /exit)") {
		t.Errorf("/help lacks aliases:\n%s", help)
	}
	// A view's own commands and its pointer to the keys are its to add
	// (ui tests /help keys itself).
	command.Help(alice, command.ViewHelp{Title: "In this view:", Commands: []command.Command{{Name: "help", Args: "keys", Help: "list the keys"}},
		Footer: "Keys: /help keys lists them."})
	help = strings.Join(texts(drain(alice), message.Notice), "\n")
	if !strings.Contains(help, "In this view:\n  /help keys") || !strings.HasSuffix(help, "\nKeys: /help keys lists them.") {
		t.Errorf("/help lacks the view's commands or the pointer to the keys:\n%s", help)
	}
	if len(drain(bob)) != 0 {
		t.Error("bob saw alice's /help")
	}

	submit(t, alice, "/me waves")
	if got := drain(bob); len(got) != 1 || got[0].Kind != message.Action || got[0].Text != "waves" || got[0].Nick != "alice" {
		t.Fatalf("bob saw %+v, want alice's action", got)
	}

	submit(t, bob, "/NAMES")
	if got := texts(drain(bob), message.Notice); len(got) != 1 || got[0] != "Online in #lobby (2): alice, bob" {
		t.Fatalf("/names = %q", got)
	}

	if eff := submit(t, alice, "/quit"); eff != command.Quit {
		t.Errorf("/quit effect = %v", eff)
	}
	if eff := submit(t, alice, "/exit"); eff != command.Quit {
		t.Errorf("/exit effect = %v", eff)
	}
	if eff := submit(t, alice, "/quit  off to \x1b[31mlunch "); eff != command.Quit {
		t.Errorf("/quit MESSAGE effect = %v", eff)
	}

	submit(t, alice, "//etc/passwd is a path")
	if got := texts(drain(bob), message.Chat); len(got) != 1 || got[0] != "/etc/passwd is a path" {
		t.Fatalf("bob saw %q, want the line with one slash", got)
	}

	for _, bad := range []struct{ line, want string }{
		{"/frobnicate now", `unknown command "/frobnicate"`},
		{"/", "type a command"},
		{"/me", "usage: /me ACTION"},
		{"/me   ", "usage: /me ACTION"},
		{"/mouse off", `unknown command "/mouse"`}, // a view's command: the view carries it out
		{"/names please", "usage: /names (it takes nothing after it)"},
		{"/help keys", "usage: /help (it takes nothing after it)"},
	} {
		eff, err := command.Submit(alice, bad.line)
		if err == nil || !strings.Contains(err.Error(), bad.want) || eff != command.Stay {
			t.Errorf("%q: (%v, %v), want an error saying %q", bad.line, eff, err, bad.want)
		}
	}
	if got := drain(bob); len(got) != 0 {
		t.Fatalf("failed commands reached bob: %+v", got)
	}
	alice.Leave("quit")
	clock.Advance(ReconnectGrace)
	if got := drain(bob); len(got) != 1 || got[0].Text != "quit: off to ^[[31mlunch" {
		t.Fatalf("bob saw %+v, want alice's quit message", got)
	}
}

func TestMessagesAreSanitisedAndBounded(t *testing.T) {
	h := newHub(t, Options{})
	alice := join(t, h, "alice")
	bob := join(t, h, "bob")
	drain(alice)
	drain(bob)

	submit(t, alice, "\x1b[2J\x1b]0;pwned\x07 hi \xff\x9b\u202e")
	got := texts(drain(bob), message.Chat)
	want := "^[[2J^[]0;pwned^G hi \uFFFD<U+202E>"
	if len(got) != 1 || got[0] != want {
		t.Fatalf("bob got %q, want %q", got, want)
	}

	// Blank lines are ignored; so is a message of only spaces.
	for _, blank := range []string{"", "   ", "\n\n", " \t \n "} {
		submit(t, alice, blank)
	}
	if got := drain(bob); len(got) != 0 {
		t.Fatalf("blank lines were posted: %+v", got)
	}

	exact := strings.Repeat("é", MaxMessageLen)
	submit(t, alice, exact)
	if got := texts(drain(bob), message.Chat); len(got) != 1 || got[0] != exact {
		t.Fatal("a message of exactly the limit was not delivered whole")
	}
	_, err := command.Submit(alice, exact+"!")
	if err == nil || !strings.Contains(err.Error(), "2001 characters") || !strings.Contains(err.Error(), "2000") {
		t.Fatalf("over-long message: err = %v", err)
	}
	_, err = command.Submit(alice, strings.Repeat("line\n", MaxMessageLines)+"one too many")
	if err == nil || !strings.Contains(err.Error(), "lines") {
		t.Fatalf("too many lines: err = %v", err)
	}
	if got := drain(bob); len(got) != 0 {
		t.Fatalf("refused messages were posted: %+v", got)
	}

	// A pasted block keeps its lines and its indentation.
	submit(t, alice, "\n\n  func main() {\n\tprintln()\n  }\n\n")
	if got := texts(drain(bob), message.Chat); len(got) != 1 || got[0] != "  func main() {\n    println()\n  }" {
		t.Fatalf("paste became %q", got)
	}
}

func TestHistoryOnJoin(t *testing.T) {
	clock := newFakeClock()
	h := newHub(t, Options{Now: clock.Now, AfterFunc: clock.AfterFunc})
	alice := join(t, h, "alice")
	for i := 1; i <= 150; i++ {
		submit(t, alice, fmt.Sprintf("msg %d", i))
	}
	alice.Leave("quit")
	clock.Advance(ReconnectGrace)

	bob := join(t, h, "bob")
	got := drain(bob)
	if got[0].Kind != message.Notice || !strings.Contains(got[0].Text, "Earlier messages are not shown; these are the last 100") {
		t.Fatalf("the backlog does not start with a note: %+v", got[0])
	}
	chat := texts(got, message.Chat)
	if len(chat) != 99 || chat[0] != "msg 52" || chat[98] != "msg 150" {
		t.Fatalf("bob's backlog: %d chat lines from %q", len(chat), chat)
	}
	// The backlog is the last 100 log entries: 99 lines and alice leaving;
	// then bob's own arrival, then the welcome.
	last := got[len(got)-3:]
	if last[0].Kind != message.Leave || last[1].Kind != message.Join || last[1].Nick != "bob" || last[2].Kind != message.Notice ||
		!strings.Contains(last[2].Text, "Welcome") {
		t.Fatalf("end of backlog = %+v", last)
	}
	assertOrdered(t, got)
}

func assertOrdered(t *testing.T, msgs []message.Message) {
	t.Helper()
	var prev uint64
	for _, m := range msgs {
		if m.Private {
			continue
		}
		if prev != 0 && m.Seq != prev+1 {
			t.Fatalf("gap or disorder: seq %d after %d", m.Seq, prev)
		}
		prev = m.Seq
	}
}

func TestShutdownDisconnectsEveryoneAndRefusesJoins(t *testing.T) {
	h := newHub(t, Options{})
	alice := join(t, h, "alice")
	bob := join(t, h, "bob")
	drain(alice)
	h.Shutdown()
	for _, m := range []*Member{alice, bob} {
		select {
		case <-m.Done():
		default:
			t.Fatalf("%s still connected after shutdown", m.Nick())
		}
		if got := m.ClosedReason(); got != "server is shutting down" {
			t.Errorf("%s was told %q", m.Nick(), got)
		}
	}
	if _, err := h.Join(Identity{Nick: "late"}); !errors.Is(err, ErrClosing) {
		t.Fatalf("join after shutdown: %v", err)
	}
}

func TestWelcomeListIsBounded(t *testing.T) {
	h := newHub(t, Options{})
	for i := 0; i < 30; i++ {
		join(t, h, fmt.Sprintf("n%02d", i))
	}
	last := join(t, h, "last")
	welcome := texts(drain(last), message.Notice)[0]
	if !strings.Contains(welcome, "Online (31): last, n00, n01") || !strings.Contains(welcome, "and 11 more (/names lists all)") {
		t.Fatalf("welcome = %q", welcome)
	}
}

func TestKeylessMembersGetDistinctAuthors(t *testing.T) {
	h := newHub(t, Options{})
	a, _ := h.Join(Identity{Nick: "a"})
	b, _ := h.Join(Identity{Nick: "b"})
	k := join(t, h, "k")
	if a.Author() == b.Author() || a.Author() == "" {
		t.Fatalf("keyless authors %q and %q", a.Author(), b.Author())
	}
	if k.Author() != key("k") || k.Key() != key("k") || a.Key() != "" {
		t.Fatalf("keyed author %q", k.Author())
	}
}

// A join racing Shutdown either fails or is told the server is closing;
// nobody is left waiting for a notice that never comes.
func TestJoinRacingShutdownIsToldToo(t *testing.T) {
	for i := 0; i < 300; i++ {
		h := newHub(t, Options{})
		joined := make(chan *Member, 1)
		go func() {
			m, err := h.Join(Identity{Nick: "racer"})
			if err != nil {
				m = nil
			}
			joined <- m
		}()
		h.Shutdown()
		m := <-joined
		if m == nil {
			continue
		}
		select {
		case <-m.Done():
		default:
			t.Fatalf("round %d: a member that joined during shutdown was not closed", i)
		}
	}
}

func TestNickAfterLeaveIsRefused(t *testing.T) {
	h := newHub(t, Options{})
	alice := join(t, h, "alice")
	bob := join(t, h, "bob")
	alice.Leave("quit")
	drain(bob)
	if _, err := command.Submit(alice, "/nick ghost"); !errors.Is(err, ErrLeft) {
		t.Fatalf("/nick after leaving: %v", err)
	}
	if got := drain(bob); len(got) != 0 {
		t.Fatalf("bob saw %+v", got)
	}
	if ghost := join(t, h, "ghost"); ghost.Nick() != "ghost" {
		t.Fatalf("the nick was reserved by a member that left: %s", ghost.Nick())
	}
}

func TestRosterVersionAndSharedList(t *testing.T) {
	h := newHub(t, Options{})
	r := mustLobby(t, h)
	v0 := r.RosterVersion()
	alice := join(t, h, "alice")
	v1 := r.RosterVersion()
	first, second := r.Online(), r.Online()
	if v1 == v0 || &first[0] != &second[0] {
		t.Fatalf("versions %d %d; list shared: %v", v0, v1, &first[0] == &second[0])
	}
	submit(t, alice, "/nick al")
	if v2 := r.RosterVersion(); v2 == v1 || r.Online()[0].Nick != "al" {
		t.Fatalf("nick change: version %d, online %+v", v2, r.Online())
	}
	alice.Leave("quit")
	if len(r.Online()) != 0 {
		t.Fatalf("online after leave: %+v", r.Online())
	}
}
