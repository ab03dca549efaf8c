package chat_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/chat/command"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/store/memory"
)

// opSet is an operators file in memory.
type opSet map[string]bool

func (s opSet) IsOperator(key string) bool { return s[key] }

// auditLog records what the hub audits.
type auditLog struct {
	mu    sync.Mutex
	lines []string
}

func (a *auditLog) record(msg string, kv ...any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.lines = append(a.lines, strings.TrimSpace(fmt.Sprintln(append([]any{msg}, kv...)...)))
}

func (a *auditLog) String() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return strings.Join(a.lines, "\n")
}

func joinAs(t *testing.T, h *Hub, nick, key, addr string) *Member {
	t.Helper()
	m, err := h.Join(Identity{Key: key, Nick: nick, Addr: addr + ":5555"})
	if err != nil {
		t.Fatalf("join %s: %v", nick, err)
	}
	drain(m)
	return m
}

func mustFail(t *testing.T, m *Member, line, want string) {
	t.Helper()
	_, err := command.Submit(m, line)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("%s: %q gave %v, want an error saying %q", m.Nick(), line, err, want)
	}
}

func isDone(m *Member) bool {
	select {
	case <-m.Done():
		return true
	default:
		return false
	}
}

func TestNickOwnershipFollowsKeys(t *testing.T) {
	store := &memory.Store{}
	h := newHub(t, Options{Store: store})
	alice := joinAs(t, h, "alice", key("alice"), "10.0.0.1")
	alice.Leave("quit")

	impostor := joinAs(t, h, "alice", key("mallory"), "10.0.0.2")
	if impostor.Nick() != "alice-2" {
		t.Fatalf("another key got %q", impostor.Nick())
	}
	keyless, _ := h.Join(Identity{Nick: "ALICE", Addr: "10.0.0.3:1"})
	if keyless.Nick() == "ALICE" {
		t.Fatal("a keyless client took a registered nick")
	}
	welcome := strings.Join(texts(drain(keyless), message.Notice), "\n")
	if !strings.Contains(welcome, "registered to another key") || !strings.Contains(welcome, "unverified") {
		t.Fatalf("keyless welcome: %q", welcome)
	}
	mustFail(t, impostor, "/nick alice", "registered to another key")
	mustFail(t, impostor, "/nick ALICE", "registered to another key")

	// Ownership survives a restart: a new hub on the same store.
	h2 := newHub(t, Options{Store: store})
	if again := joinAs(t, h2, "alice", key("alice"), "10.0.0.1"); again.Nick() != "alice" {
		t.Fatalf("the owner got %q after a restart", again.Nick())
	}
	if other := joinAs(t, h2, "alice", key("eve"), "10.0.0.4"); other.Nick() == "alice" {
		t.Fatal("another key took alice after a restart")
	}
}

// The same key coming back while its old session still hangs (a dropped
// Wi-Fi, a closed laptop) gets its nick at once, beside the old session,
// which the transport ends once it stops answering (or the cap on
// sessions does: TestSessionCapReplacesOnlySessionsThatDoNotAnswer).
func TestSameKeyComingBackGetsItsNickBesideItsGhost(t *testing.T) {
	h := newHub(t, Options{})
	bob := joinAs(t, h, "bob", key("bob"), "10.0.0.9")
	ghost := joinAs(t, h, "alice", key("alice"), "10.0.0.1")
	drain(bob)

	fresh := joinAs(t, h, "alice", key("alice"), "10.0.0.7")
	if fresh.Nick() != "alice" {
		t.Fatalf("the new session got %q", fresh.Nick())
	}
	if isDone(ghost) {
		t.Fatalf("a session that may still answer was closed: %q", ghost.ClosedReason())
	}
	if got := drain(bob); len(got) != 0 {
		t.Fatalf("bob saw %+v, want nothing: alice never left", got)
	}
	ghost.Leave("connection lost") // the ghost's transport ending later is not news
	if got := drain(bob); len(got) != 0 {
		t.Fatalf("the ghost's late leave reached bob: %+v", got)
	}
	// A different key never takes over.
	other := joinAs(t, h, "alice", key("mallory"), "10.0.0.8")
	if isDone(fresh) || other.Nick() == "alice" {
		t.Fatal("another key displaced alice")
	}
}

func TestOperatorsOnly(t *testing.T) {
	h := newHub(t, Options{})
	user := joinAs(t, h, "user", key("user"), "10.0.0.1")
	joinAs(t, h, "other", key("other"), "10.0.0.2")
	for _, line := range []string{"/kick other", "/mute other", "/unmute other", "/ban other", "/unban other",
		"/bans", "/op other", "/deop other", "/motd new motd"} {
		mustFail(t, user, line, "operators only")
	}
	mustFail(t, user, "/op", "not in the operators file")
}

func TestKick(t *testing.T) {
	audit := &auditLog{}
	h := newHub(t, Options{Operators: opSet{key("op"): true}, Audit: audit.record})
	op := joinAs(t, h, "boss", key("op"), "10.0.0.1")
	bob := joinAs(t, h, "bob", key("bob"), "10.0.0.2")
	carol := joinAs(t, h, "carol", key("carol"), "10.0.0.3")
	submit(t, op, "/kick bob  spamming  links ")
	if !isDone(bob) || bob.ClosedReason() != "you were kicked by boss: spamming links" {
		t.Fatalf("bob: closed=%v, told %q", isDone(bob), bob.ClosedReason())
	}
	got := drain(carol)
	if len(got) != 1 || got[0].Kind != message.Leave || got[0].Text != "kicked by boss: spamming links" {
		t.Fatalf("carol saw %+v", got)
	}
	if !strings.Contains(audit.String(), "kick by boss by_key "+key("op")+" nick bob") {
		t.Fatalf("audit: %s", audit)
	}
	mustFail(t, op, "/kick boss", "cannot kick yourself")
	mustFail(t, op, "/kick nobody", "nobody called")
	mustFail(t, op, "/kick", "usage: /kick")
}

func TestBansByKeyAndAddressExpireAndSurviveRestarts(t *testing.T) {
	clock := newFakeClock()
	store := &memory.Store{}
	ops := opSet{key("op"): true}
	audit := &auditLog{}
	h := newHub(t, Options{Store: store, Operators: ops, Now: clock.Now, Audit: audit.record})
	op := joinAs(t, h, "boss", key("op"), "10.0.0.1")
	spammer := joinAs(t, h, "spammer", key("spam"), "10.0.0.2")
	troll := joinAs(t, h, "troll", "", "10.0.0.3")
	watcher := joinAs(t, h, "watcher", key("w"), "10.0.0.4")

	submit(t, op, "/ban spammer 2h posting links")
	if !isDone(spammer) || !strings.Contains(spammer.ClosedReason(), "you were banned until 2026-11-25 14:34 UTC (2h from now) by boss: posting links") {
		t.Fatalf("spammer told %q", spammer.ClosedReason())
	}
	if texts(drain(watcher), message.Announcement)[0] != "boss banned spammer for 2h: posting links" {
		t.Fatal("the ban was not announced")
	}
	s, banned := h.Banned(key("spam"), "192.168.1.1:22")
	if !banned || !strings.Contains(s, "you cannot join: this key is banned until 2026-11-25 14:34 UTC") {
		t.Fatalf("banned=%v refusal %q", banned, s)
	}
	if _, err := h.Join(Identity{Key: key("spam"), Nick: "sneaky", Addr: "10.9.9.9:1"}); err == nil ||
		!strings.Contains(err.Error(), "posting links") {
		t.Fatalf("a banned key joined: %v", err)
	}

	// A keyless member is banned by address; a permanent ban has no end.
	submit(t, op, "/ban troll")
	if a := audit.String(); !strings.Contains(a, "for 2h reason") || !strings.Contains(a, "for permanent") {
		t.Fatalf("the log does not say how long the bans last:\n%s", a)
	}
	if !isDone(troll) {
		t.Fatal("troll still online")
	}
	if s, banned := h.Banned("", "10.0.0.3:4444"); !banned || !strings.Contains(s, "your address is banned permanently by boss") {
		t.Fatalf("address ban: %v %q", banned, s)
	}
	submit(t, op, "/ban 10.1.2.3 1d")
	submit(t, op, "/bans")
	list := texts(drain(op), message.Notice)
	if len(list) != 1 || !strings.Contains(list[0], "Bans (3)") || !strings.Contains(list[0], "10.1.2.3") {
		t.Fatalf("/bans: %q", list)
	}

	// After a restart the bans hold; after two hours the timed one ends.
	h2 := newHub(t, Options{Store: store, Operators: ops, Now: clock.Now})
	if _, banned := h2.Banned(key("spam"), ""); !banned {
		t.Fatal("the ban did not survive a restart")
	}
	clock.Advance(2*time.Hour + time.Second)
	if _, banned := h2.Banned(key("spam"), ""); banned {
		t.Fatal("the 2h ban did not expire")
	}
	op2 := joinAs(t, h2, "boss", key("op"), "10.0.0.1")
	submit(t, op2, "/unban troll")
	if _, banned := h2.Banned("", "10.0.0.3"); banned {
		t.Fatal("/unban troll left the address banned")
	}
	mustFail(t, op2, "/unban troll", "is not banned")
	mustFail(t, op2, "/ban boss", "cannot ban yourself")
	if !strings.Contains(texts(drain(op2), message.Announcement)[0], "boss lifted the ban on troll") {
		t.Fatal("the unban was not announced")
	}
}

func TestMuteExpires(t *testing.T) {
	clock := newFakeClock()
	h := newHub(t, Options{Operators: opSet{key("op"): true}, Now: clock.Now})
	op := joinAs(t, h, "boss", key("op"), "10.0.0.1")
	loud := joinAs(t, h, "loud", key("loud"), "10.0.0.2")
	submit(t, op, "/mute loud 10m")
	if n := texts(drain(loud), message.Error); len(n) != 1 || !strings.Contains(n[0], "You are muted until") {
		t.Fatalf("loud was told %q", n)
	}
	mustFail(t, loud, "hello?", "you are muted until 2026-11-25 12:44 UTC (10m from now) by boss")
	mustFail(t, loud, "/me shouts", "muted")
	submit(t, loud, "/names") // reading and commands still work
	clock.Advance(11 * time.Minute)
	submit(t, loud, "back")
	submit(t, op, "/mute loud")
	mustFail(t, loud, "again", "muted permanently")
	submit(t, op, "/unmute loud")
	submit(t, loud, "free")
	if n := texts(drain(loud), message.Notice); !strings.Contains(strings.Join(n, "\n"), "no longer muted") {
		t.Fatalf("loud was not told: %q", n)
	}
}

func TestMOTD(t *testing.T) {
	store := &memory.Store{}
	ops := opSet{key("op"): true}
	h := newHub(t, Options{Store: store, Operators: ops})
	op := joinAs(t, h, "boss", key("op"), "10.0.0.1")
	submit(t, op, "/motd")
	if got := texts(drain(op), message.Notice); got[0] != "There is no message of the day." {
		t.Fatalf("/motd: %q", got)
	}
	submit(t, op, "/motd Be kind. \x1b[31mNo spam.")
	h2 := newHub(t, Options{Store: store, Operators: ops})
	guest, _ := h2.Join(Identity{Nick: "guest", Addr: "10.0.0.2:1"})
	if got := strings.Join(texts(drain(guest), message.Notice), "\n"); !strings.Contains(got, "Message of the day: Be kind. ^[[31mNo spam.") {
		t.Fatalf("a new joiner saw %q", got)
	}
	mustFail(t, guest, "/motd mine now", "operators")
	op2 := joinAs(t, h2, "boss", key("op"), "10.0.0.1")
	submit(t, op2, "/motd -")
	submit(t, guest, "/motd")
	if got := texts(drain(guest), message.Notice); got[len(got)-1] != "There is no message of the day." {
		t.Fatalf("after clearing: %q", got)
	}
}

func TestOpAndDeopForTheSession(t *testing.T) {
	h := newHub(t, Options{Operators: opSet{key("op"): true}})
	op := joinAs(t, h, "boss", key("op"), "10.0.0.1")
	bob := joinAs(t, h, "bob", key("bob"), "10.0.0.2")
	joinAs(t, h, "carol", key("carol"), "10.0.0.3")

	submit(t, op, "/deop")
	mustFail(t, op, "/kick carol", "operators only")
	submit(t, op, "/op")
	submit(t, op, "/op bob")
	if online := mustLobby(t, h).Online(); !online[0].Op || online[0].Nick != "bob" {
		t.Fatalf("roster after /op bob: %+v", online)
	}
	submit(t, bob, "/mute carol 1m")
	submit(t, op, "/deop bob")
	mustFail(t, bob, "/unmute carol", "operators only")
	mustFail(t, op, "/deop bob", "not an operator")
	submit(t, bob, "/help")
	if help := strings.Join(texts(drain(bob), message.Notice), "\n"); strings.Contains(help, "Operator commands") {
		t.Fatal("a non-operator's help lists operator commands")
	}
	submit(t, op, "/help")
	if help := strings.Join(texts(drain(op), message.Notice), "\n"); !strings.Contains(help, "Operator commands:") || !strings.Contains(help, "/ban NICK|KEY|IP") {
		t.Fatalf("an operator's help: %s", help)
	}
}

func TestWhois(t *testing.T) {
	clock := newFakeClock()
	h := newHub(t, Options{Operators: opSet{key("op"): true}, Now: clock.Now})
	op := joinAs(t, h, "boss", key("op"), "10.0.0.1")
	user := joinAs(t, h, "user", "", "10.0.0.2")
	clock.Advance(90 * time.Minute)
	submit(t, user, "hello")
	clock.Advance(5 * time.Minute)
	submit(t, op, "/whois user")
	got := texts(drain(op), message.Notice)[0]
	for _, want := range []string{"user: unverified", "last active 5m ago", "address 10.0.0.2"} {
		if !strings.Contains(got, want) {
			t.Errorf("whois for an operator lacks %q: %q", want, got)
		}
	}
	submit(t, user, "/whois boss")
	got = texts(drain(user), message.Notice)[0]
	for _, want := range []string{"boss: verified key " + key("op"), "online since 2026-11-25 12:34 UTC (1h35m), active now", "operator"} {
		if !strings.Contains(got, want) {
			t.Errorf("whois for a user lacks %q: %q", want, got)
		}
	}
	if strings.Contains(got, "address") {
		t.Errorf("a non-operator saw an address: %q", got)
	}
	mustFail(t, op, "/whois ghost", "nobody called")
}

func TestIgnore(t *testing.T) {
	store := &memory.Store{}
	h := newHub(t, Options{Store: store})
	alice := joinAs(t, h, "alice", key("alice"), "10.0.0.1")
	bore := joinAs(t, h, "bore", key("bore"), "10.0.0.2")
	carol := joinAs(t, h, "carol", key("carol"), "10.0.0.3")
	submit(t, alice, "/ignore bore")
	submit(t, bore, "blah blah")
	submit(t, bore, "/me yawns")
	submit(t, carol, "hi")
	if got := texts(drain(alice), message.Chat); len(got) != 1 || got[0] != "hi" {
		t.Fatalf("alice saw %q", got)
	}
	if got := texts(drain(carol), message.Chat); len(got) != 2 {
		t.Fatalf("carol saw %q; ignoring is alice's alone", got)
	}
	mustFail(t, alice, "/ignore bore", "already ignore")
	mustFail(t, alice, "/ignore alice", "cannot ignore yourself")
	submit(t, alice, "/ignored")
	if got := texts(drain(alice), message.Notice); got[0] != "You ignore: bore" {
		t.Fatalf("/ignored: %q", got)
	}
	// The ignore follows the key, across nick changes and sessions.
	submit(t, bore, "/nick newname")
	submit(t, bore, "sneaky")
	alice.Leave("quit")
	alice = joinAs(t, h, "alice", key("alice"), "10.0.0.1")
	submit(t, bore, "still ignored")
	if got := texts(drain(alice), message.Chat); len(got) != 0 {
		t.Fatalf("alice saw %q after reconnecting", got)
	}
	submit(t, alice, "/unignore bore")
	submit(t, bore, "heard again")
	if got := texts(drain(alice), message.Chat); len(got) != 1 || got[0] != "heard again" {
		t.Fatalf("after /unignore alice saw %q", got)
	}
	mustFail(t, alice, "/unignore bore", "do not ignore")
}

// With the default limits: a burst of 10, then 2 a second. People are not
// throttled; floods are, and a sustained one is kicked.
func TestMessageRateLimit(t *testing.T) {
	clock := newFakeClock()
	audit := &auditLog{}
	h := newHub(t, Options{Now: clock.Now, MessageRate: 2, MessageBurst: 10, Audit: audit.record})
	fast := joinAs(t, h, "fast", key("fast"), "10.0.0.1")
	reader := joinAs(t, h, "reader", key("reader"), "10.0.0.2")

	for i := 0; i < 10; i++ {
		submit(t, fast, fmt.Sprint("burst ", i))
	}
	mustFail(t, fast, "one too many", "slow down: you can send again in 1 s")
	clock.Advance(500 * time.Millisecond)
	submit(t, fast, "after half a second")
	// A pasted block of 30 lines is one message.
	clock.Advance(500 * time.Millisecond)
	submit(t, fast, strings.Repeat("pasted line\n", 30))
	if got := texts(drain(reader), message.Chat); len(got) != 12 {
		t.Fatalf("reader got %d messages, want 12", len(got))
	}
	// A typist at two lines a second is never throttled.
	for i := 0; i < 60; i++ {
		clock.Advance(500 * time.Millisecond)
		submit(t, fast, "typing along")
	}

	// A flood: every refusal is a strike; out of strikes, out of the room.
	flood := joinAs(t, h, "flood", key("flood"), "10.0.0.3")
	refused := 0
	for i := 0; i < 1000 && !isDone(flood); i++ {
		if _, err := command.Submit(flood, "spam"); err != nil {
			refused++
		}
	}
	if !isDone(flood) || flood.ClosedReason() != "you were disconnected for flooding the room" {
		t.Fatalf("flooder still in after %d refusals", refused)
	}
	if refused < FloodStrikes {
		t.Fatalf("kicked after %d refusals, before the %d strikes", refused, FloodStrikes)
	}
	t.Logf("flooder kicked after %d refusals", refused)
	if !strings.Contains(audit.String(), "kicked for flooding") {
		t.Fatalf("audit: %s", audit)
	}
}

func TestNickChangeRateLimit(t *testing.T) {
	clock := newFakeClock()
	h := newHub(t, Options{Now: clock.Now})
	m := joinAs(t, h, "n0", key("n"), "10.0.0.1")
	for i := 1; i <= NickChangeBurst; i++ {
		submit(t, m, fmt.Sprintf("/nick n%d", i))
	}
	mustFail(t, m, "/nick n9", "slow down: you can change your nick again in 10 s")
	clock.Advance(NickChangeEvery)
	submit(t, m, "/nick n9")
}

func TestJoinRateLimit(t *testing.T) {
	clock := newFakeClock()
	h := newHub(t, Options{Now: clock.Now})
	id := Identity{Key: key("flaky"), Nick: "flaky", Addr: "10.0.0.1:1"}
	// Reconnecting a few times in a minute after network trouble is fine.
	for i := 0; i < JoinBurst; i++ {
		m, err := h.Join(id)
		if err != nil {
			t.Fatalf("join %d: %v", i, err)
		}
		m.Leave("connection lost")
		clock.Advance(100 * time.Millisecond)
	}
	if _, err := h.Join(id); err == nil || !strings.Contains(err.Error(), "too many joins in a short time; try again in") {
		t.Fatalf("join storm: %v", err)
	}
	// Another identity is not affected, and the limit refills.
	if _, err := h.Join(Identity{Key: key("other"), Nick: "other", Addr: "10.0.0.1:2"}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(JoinEvery)
	if _, err := h.Join(id); err != nil {
		t.Fatal(err)
	}
}

func TestLookAlikeNicksIncludingCapitals(t *testing.T) {
	h := newHub(t, Options{})
	for _, nick := range []string{"Tom", "alice", "Bill", "Nick"} {
		joinAs(t, h, nick, key(nick), "10.0.0.1")
	}
	m := joinAs(t, h, "mallory", key("mallory"), "10.0.0.2")
	for _, fake := range []string{"Тom", "aIice", "ALlCE", "BiII", "Νick", "а1ice"} {
		mustFail(t, m, "/nick "+fake, "looks too much like")
	}
	for _, reserved := range []string{"admin", "Root", "moderator", "ѕupport"} {
		mustFail(t, m, "/nick "+reserved, "reserved")
	}
	mustFail(t, m, "/nick 10.0.0.5", "looks like an IP address")
	ipNick := joinAs(t, h, "10.0.0.5", key("ip"), "10.0.0.3")
	if ipNick.Nick() != "10.0.0.5-2" {
		t.Fatalf("a user named like an address got %q", ipNick.Nick())
	}
}

func TestOnlyChosenNicksAreRegistered(t *testing.T) {
	h := newHub(t, Options{})
	joinAs(t, h, "alice", key("alice"), "10.0.0.1")
	second := joinAs(t, h, "alice", key("bob"), "10.0.0.2")
	if second.Nick() != "alice-2" {
		t.Fatal(second.Nick())
	}
	second.Leave("quit")
	third := joinAs(t, h, "alice-2", key("carol"), "10.0.0.3")
	if third.Nick() != "alice-2" {
		t.Fatalf("a variant handed out at join was registered: %q", third.Nick())
	}
}

func TestListedOperatorsCannotBeLockedOut(t *testing.T) {
	h := newHub(t, Options{Operators: opSet{key("owner"): true}})
	owner := joinAs(t, h, "owner", key("owner"), "10.0.0.1")
	helper := joinAs(t, h, "helper", "", "10.0.0.2")
	user := joinAs(t, h, "user", key("user"), "10.0.0.3")
	submit(t, owner, "/op helper")
	mustFail(t, helper, "/ban owner", "in the operators file")
	mustFail(t, helper, "/mute owner", "in the operators file")
	mustFail(t, helper, "/kick owner", "in the operators file")
	mustFail(t, helper, "/deop owner", "only operators in the operators file")
	mustFail(t, helper, "/op user", "only operators in the operators file")
	submit(t, helper, "/ban 10.0.0.1 1h") // the owner's address: the owner stays
	if isDone(owner) {
		t.Fatal("an address ban kicked a listed operator")
	}
	if _, banned := h.Banned(key("owner"), "10.0.0.1:2"); banned {
		t.Fatal("a listed operator is banned")
	}
	submit(t, helper, "/kick user")
	if !isDone(user) {
		t.Fatal("a session operator could not kick an ordinary user")
	}
}

func TestBanningSomeoneWithoutAKey(t *testing.T) {
	h := newHub(t, Options{Operators: opSet{key("op"): true}})
	op := joinAs(t, h, "boss", key("op"), "10.0.0.1")
	troll := joinAs(t, h, "troll", "", "10.0.0.9")
	neighbour := joinAs(t, h, "neighbour", key("n"), "10.0.0.9")
	mustFail(t, op, "/ban troll", "troll has no key, so this would ban the address 10.0.0.9, where neighbour also are; to do that, /ban 10.0.0.9")
	if isDone(troll) || isDone(neighbour) {
		t.Fatal("a refused ban kicked someone")
	}
	neighbour.Leave("quit")
	submit(t, op, "/ban troll")
	if !isDone(troll) {
		t.Fatal("troll still online")
	}
	if got := texts(drain(op), message.Announcement); got[0] != "boss banned troll (address 10.0.0.9) permanently" {
		t.Fatalf("announcement %q", got)
	}
}

func TestKeyBanCoversDroppingTheKey(t *testing.T) {
	h := newHub(t, Options{Operators: opSet{key("op"): true}})
	op := joinAs(t, h, "boss", key("op"), "10.0.0.1")
	joinAs(t, h, "bob", key("bob"), "10.0.0.7")
	submit(t, op, "/ban bob 1h")
	if _, err := h.Join(Identity{Nick: "notbob", Addr: "10.0.0.7:1"}); err == nil {
		t.Fatal("the banned person got back in without their key")
	}
	if _, err := h.Join(Identity{Key: key("housemate"), Nick: "housemate", Addr: "10.0.0.7:2"}); err != nil {
		t.Fatalf("someone else with a key at that address was refused: %v", err)
	}
}

func TestUnbanByNickIsUnambiguous(t *testing.T) {
	clock := newFakeClock()
	h := newHub(t, Options{Operators: opSet{key("op"): true}, Now: clock.Now})
	op := joinAs(t, h, "boss", key("op"), "10.0.0.1")
	first := joinAs(t, h, "troll", "", "10.0.0.8")
	submit(t, op, "/ban troll 1h")
	_ = first
	joinAs(t, h, "troll", "", "10.0.0.9")
	submit(t, op, "/ban troll")
	mustFail(t, op, "/unban troll", "more than one ban is called troll: 10.0.0.8, 10.0.0.9")
	clock.Advance(2 * time.Hour) // the first one ends
	submit(t, op, "/unban troll")
	if _, banned := h.Banned("", "10.0.0.9"); banned {
		t.Fatal("/unban troll lifted the wrong ban")
	}
}

func TestTyposInDurationsAreRefused(t *testing.T) {
	h := newHub(t, Options{Operators: opSet{key("op"): true}})
	op := joinAs(t, h, "boss", key("op"), "10.0.0.1")
	joinAs(t, h, "bob", key("bob"), "10.0.0.2")
	for _, typo := range []string{"1y", "30min", "1.5d", "24hrs", "0s", "-5m", "99999999w"} {
		mustFail(t, op, "/mute bob "+typo, "is not a duration")
	}
	submit(t, op, "/mute bob 1d12h too loud")
	if got := texts(drain(op), message.Announcement); got[0] != "boss muted bob for 1d12h: too loud" {
		t.Fatalf("announcement %q", got)
	}
}

func TestMutedCannotSpeakAnotherWay(t *testing.T) {
	h := newHub(t, Options{Operators: opSet{key("op"): true}})
	op := joinAs(t, h, "boss", key("op"), "10.0.0.1")
	dave := joinAs(t, h, "dave", key("dave"), "10.0.0.2")
	watcher := joinAs(t, h, "watcher", key("w"), "10.0.0.3")
	submit(t, op, "/mute dave 1h")
	mustFail(t, dave, "/nick BUY-CHEAP-PILLS", "nick not changed: you are muted")
	submit(t, dave, "/quit visit spam.example")
	dave.Leave("quit")
	for _, m := range drain(watcher) {
		if strings.Contains(m.Text, "spam.example") {
			t.Fatalf("a muted member's quit message got out: %q", m.Text)
		}
	}
	back := joinAsKeep(t, h, "dave", key("dave"), "10.0.0.2")
	if got := strings.Join(texts(back, message.Error), "\n"); !strings.Contains(got, "You are muted until") {
		t.Fatalf("a muted member rejoining was told %q", got)
	}
}

// joinAsKeep joins and returns what the member was shown.
func joinAsKeep(t *testing.T, h *Hub, nick, k, addr string) []message.Message {
	t.Helper()
	m, err := h.Join(Identity{Key: k, Nick: nick, Addr: addr + ":5555"})
	if err != nil {
		t.Fatal(err)
	}
	return drain(m)
}

func TestRelease(t *testing.T) {
	h := newHub(t, Options{Operators: opSet{key("op"): true}})
	op := joinAs(t, h, "boss", key("op"), "10.0.0.1")
	squatter := joinAs(t, h, "coolname", key("squatter"), "10.0.0.2")
	squatter.Leave("quit")
	mustFail(t, joinAs(t, h, "other", key("other"), "10.0.0.3"), "/nick coolname", "registered to another key")
	submit(t, op, "/release coolname")
	mustFail(t, op, "/release coolname", "no key owns")
	newcomer := joinAs(t, h, "coolname", key("newcomer"), "10.0.0.4")
	if newcomer.Nick() != "coolname" {
		t.Fatalf("after /release: %q", newcomer.Nick())
	}
}

func TestLongPasteWithoutBracketsIsNotAFlood(t *testing.T) {
	clock := newFakeClock()
	h := newHub(t, Options{Now: clock.Now, MessageRate: 2, MessageBurst: 10})
	typist := joinAs(t, h, "typist", key("typist"), "10.0.0.1")
	// A terminal without bracketed paste sends each of 100 lines with its
	// own Enter, as fast as it can: most are refused, none gets a kick.
	for i := 0; i < MaxMessageLines; i++ {
		_, _ = command.Submit(typist, fmt.Sprint("line ", i))
	}
	if isDone(typist) {
		t.Fatal("a 100-line paste was taken for a flood")
	}
}
