package chat_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	. "github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/chat/command"

	"github.com/chatroom/chatroom/chat/message"
)

func notices(m *Member) string { return strings.Join(texts(drain(m), message.Notice), "\n") }

// /away shows in /names, /whois and the roster, is announced to nobody,
// and ends with /back or with the next line the person writes.
func TestAwayShowsInNamesWhoisAndRoster(t *testing.T) {
	clock := newFakeClock()
	h := newHub(t, Options{Now: clock.Now})
	dave, alice := join(t, h, "dave"), join(t, h, "alice")
	drain(dave)
	drain(alice)
	lobby := dave.Room()
	v := lobby.RosterVersion()

	if n := notices(dave); n != "" {
		t.Fatalf("stray notices: %q", n)
	}
	submit(t, dave, "/away lunch")
	if n := notices(dave); !strings.Contains(n, "You are away (lunch)") {
		t.Fatalf("dave was told %q", n)
	}
	if got := drain(alice); len(got) != 0 {
		t.Fatalf("going away was announced: %+v", got)
	}
	if lobby.RosterVersion() == v {
		t.Fatal("the roster version did not change")
	}
	var seen bool
	for _, o := range lobby.Online() {
		if o.Nick == "dave" {
			seen = o.Away && o.AwayReason == "lunch"
		}
	}
	if !seen {
		t.Fatalf("roster: %+v", lobby.Online())
	}
	submit(t, alice, "/names")
	if n := notices(alice); !strings.Contains(n, "alice, dave (away: lunch)") {
		t.Fatalf("/names: %q", n)
	}
	submit(t, alice, "/whois dave")
	if n := notices(alice); !strings.Contains(n, "away since 12:34: lunch") {
		t.Fatalf("/whois: %q", n)
	}

	// A command is not typing: still away.
	submit(t, dave, "/names")
	submit(t, dave, "/back")
	if n := notices(dave); !strings.Contains(n, "You are back") {
		t.Fatalf("/back said %q", n)
	}
	if _, err := command.Submit(dave, "/back"); err == nil || !strings.Contains(err.Error(), "you are not away") {
		t.Fatalf("/back when not away: %v", err)
	}
	submit(t, alice, "/names")
	if n := notices(alice); strings.Contains(n, "away") {
		t.Fatalf("/names after /back: %q", n)
	}

	// Writing a line, or /me, is being back.
	for _, line := range []string{"I am here", "/me waves"} {
		submit(t, dave, "/away")
		submit(t, alice, "/names")
		if n := notices(alice); !strings.Contains(n, "dave (away)") {
			t.Fatalf("/names: %q", n)
		}
		drain(dave)
		submit(t, dave, line)
		if n := notices(dave); !strings.Contains(n, "You are back") {
			t.Fatalf("after %q dave was told %q", line, n)
		}
		submit(t, alice, "/names")
		if n := notices(alice); strings.Contains(n, "away") {
			t.Fatalf("/names after %q: %q", line, n)
		}
	}
}

// Writing privately to someone away tells the writer the reason once an
// absence: not after every line, and again after a new /away.
func TestWritingToSomeoneAwayTellsTheReasonOnce(t *testing.T) {
	clock := newFakeClock()
	h := newHub(t, Options{Now: clock.Now})
	dave, alice, carol := join(t, h, "dave"), join(t, h, "alice"), join(t, h, "carol")
	submit(t, dave, "/away lunch")
	drain(alice)
	const told = "dave is away: lunch. They will see it when they are back."
	submit(t, alice, "/msg dave are you around?")
	if n := notices(alice); !strings.Contains(n, told) {
		t.Fatalf("alice was told %q", n)
	}
	submit(t, alice, "/msg dave hello?")
	submit(t, alice, "and another line")
	if n := notices(alice); strings.Contains(n, "is away") {
		t.Fatalf("alice was told again: %q", n)
	}
	// Each writer is told.
	drain(carol)
	submit(t, carol, "/msg dave hi")
	if n := notices(carol); !strings.Contains(n, told) {
		t.Fatalf("carol was told %q", n)
	}
	// A new absence is told anew.
	clock.Advance(time.Hour)
	submit(t, dave, "/away meeting")
	submit(t, alice, "/msg dave now?")
	if n := notices(alice); !strings.Contains(n, "dave is away: meeting.") {
		t.Fatalf("alice was not told of the new absence: %q", n)
	}
	// Someone here is not away.
	submit(t, dave, "/back")
	submit(t, alice, "/msg dave back?")
	if n := notices(alice); strings.Contains(n, "is away") {
		t.Fatalf("dave is back, yet alice was told: %q", n)
	}
	// Once gone, the offline wording, once too.
	dave.Leave("")
	submit(t, alice, "/msg dave bye")
	submit(t, alice, "/msg dave really bye")
	if n := notices(alice); strings.Count(n, "dave is away; your message will wait for them") != 1 {
		t.Fatalf("alice was told %q", n)
	}
}

func kinds(msgs []message.Message, kind message.Kind) []message.Message {
	var out []message.Message
	for _, m := range msgs {
		if m.Kind == kind {
			out = append(out, m)
		}
	}
	return out
}

// /quiet hides others' joins and leaves, live, in the backlog and in
// /history, for the key across reconnects; nick changes and the person's
// own lines still show.
func TestQuietHidesJoinsAndLeaves(t *testing.T) {
	h := newHub(t, Options{})
	alice := join(t, h, "alice")
	submit(t, alice, "/quiet")
	if n := notices(alice); !strings.Contains(n, "Quiet on") {
		t.Fatalf("/quiet said %q", n)
	}
	bob := join(t, h, "bob")
	submit(t, bob, "/nick robert")
	submit(t, bob, "/join #go")
	submit(t, bob, "/part")
	got := drain(alice)
	if j, l := kinds(got, message.Join), kinds(got, message.Leave); len(j)+len(l) != 0 {
		t.Fatalf("alice saw joins %+v and leaves %+v", j, l)
	}
	if len(kinds(got, message.NickChange)) != 1 {
		t.Fatalf("alice did not see the nick change: %+v", got)
	}
	// Kept for the key: a new session is quiet, backlog included, but
	// shows its own join.
	alice.Leave("")
	alice = join(t, h, "alice")
	got = drain(alice)
	for _, m := range append(kinds(got, message.Join), kinds(got, message.Leave)...) {
		if m.Nick != "alice" {
			t.Fatalf("after reconnecting alice saw %+v", m)
		}
	}
	if len(kinds(got, message.NickChange)) != 1 {
		t.Fatalf("the backlog lost the nick change: %+v", got)
	}
	// Off again: joins show.
	submit(t, alice, "/quiet off")
	drain(alice)
	join(t, h, "carol")
	if got := kinds(drain(alice), message.Join); len(got) != 1 || got[0].Nick != "carol" {
		t.Fatalf("with quiet off alice saw joins %+v", got)
	}
	// Without a key, for the session.
	anon, err := h.Join(Identity{Nick: "anon", Addr: "127.0.0.1:2"})
	if err != nil {
		t.Fatal(err)
	}
	submit(t, anon, "/quiet on")
	if n := notices(anon); !strings.Contains(n, "for this session") {
		t.Fatalf("keyless /quiet said %q", n)
	}
	join(t, h, "dave")
	if got := kinds(drain(anon), message.Join); len(got) != 0 {
		t.Fatalf("quiet keyless session saw %+v", got)
	}
}

// /history hides joins and leaves too, with quiet on.
func TestQuietHidesJoinsAndLeavesInHistory(t *testing.T) {
	h := newHub(t, Options{Backlog: 2})
	alice := join(t, h, "alice")
	submit(t, alice, "zero")
	for _, n := range []string{"bob", "carol", "dave"} {
		join(t, h, n)
	}
	submit(t, alice, "one")
	submit(t, alice, "two")
	late := join(t, h, "late")
	submit(t, late, "/quiet on")
	drain(late)
	submit(t, late, "/history 20")
	got := drain(late)
	for _, m := range got {
		if (m.Kind == message.Join || m.Kind == message.Leave) && m.Nick != "late" {
			t.Fatalf("/history showed %+v", m)
		}
	}
	if len(kinds(got, message.Chat)) == 0 {
		t.Fatalf("/history showed no chat: %+v", got)
	}
}

// A /highlight word makes a line for the member, as its nick does: whole
// words, case aside; kept for the key; removed with -WORD or /unhighlight.
func TestHighlightWords(t *testing.T) {
	h := newHub(t, Options{})
	alice := join(t, h, "alice")
	if alice.Highlighted("the deploy failed") {
		t.Fatal("highlighted with no words")
	}
	submit(t, alice, "/highlight deploy")
	submit(t, alice, "/highlight Oncall")
	for text, want := range map[string]bool{
		"the Deploy failed":   true,
		"who is oncall?":      true,
		"@ONCALL: look":       true,
		"redeploy tomorrow":   false,
		"deployment pipeline": false,
	} {
		if got := alice.Highlighted(text); got != want {
			t.Errorf("Highlighted(%q) = %v, want %v", text, got, want)
		}
	}
	submit(t, alice, "/highlight")
	if n := notices(alice); !strings.Contains(n, "You highlight: deploy, Oncall") {
		t.Fatalf("/highlight listed %q", n)
	}
	if _, err := command.Submit(alice, "/highlight DEPLOY"); err == nil {
		t.Fatal("the same word twice was taken")
	}
	if _, err := command.Submit(alice, "/highlight two words"); err == nil {
		t.Fatal("two words were taken")
	}
	if _, err := command.Submit(alice, "/highlight "+strings.Repeat("x", MaxHighlightLen+1)); err == nil {
		t.Fatal("a word too long was taken")
	}
	// Kept for the key.
	alice.Leave("")
	alice = join(t, h, "alice")
	if !alice.Highlighted("deploy now") || !alice.Highlighted("oncall") {
		t.Fatal("highlight words lost on reconnecting")
	}
	submit(t, alice, "/highlight -deploy")
	submit(t, alice, "/unhighlight ONCALL")
	if alice.Highlighted("deploy now") || alice.Highlighted("oncall") {
		t.Fatal("removed words still highlight")
	}
	for i := range MaxHighlights {
		submit(t, alice, fmt.Sprintf("/highlight w%d", i))
	}
	if _, err := command.Submit(alice, "/highlight onemore"); err == nil || !strings.Contains(err.Error(), "the most") {
		t.Fatalf("word %d: %v", MaxHighlights+1, err)
	}
}

// Someone who comes back within a minute was never gone as far as the
// room is told: no leave line, no join line. Gone longer, the leave line
// comes after a minute, on the hub's clock, with nothing else happening.
func TestAReconnectWithinAMinuteIsNotNews(t *testing.T) {
	clock := newFakeClock()
	h := newHub(t, Options{Now: clock.Now, AfterFunc: clock.AfterFunc})
	alice := join(t, h, "alice")
	bob := join(t, h, "bob")
	submit(t, bob, "/join #go")
	submit(t, alice, "/join #go")
	drain(alice)

	bob.Leave("connection lost")
	clock.Advance(ReconnectGrace - time.Second)
	if got := drain(alice); len(got) != 0 {
		t.Fatalf("alice saw %+v within the grace", got)
	}
	bob = join(t, h, "bob") // back in the lobby and #go, with the key
	clock.Advance(time.Hour)
	if got := drain(alice); len(kinds(got, message.Join))+len(kinds(got, message.Leave)) != 0 {
		t.Fatalf("a reconnect within a minute showed %+v", got)
	}

	// Gone longer: one leave line a room, a minute on, and a join line
	// when they come.
	bob.Leave("quit")
	clock.Advance(ReconnectGrace)
	got := drain(alice)
	if l := kinds(got, message.Leave); len(l) != 2 || l[0].Nick != "bob" || l[0].Text != "quit" {
		t.Fatalf("after a minute alice saw %+v", got)
	}
	join(t, h, "bob")
	if j := kinds(drain(alice), message.Join); len(j) != 2 {
		t.Fatalf("bob's return after a minute showed joins %+v", j)
	}

	// Without a key, the same nick is the same person.
	anon := func() *Member {
		m, err := h.Join(Identity{Nick: "anon", Addr: "127.0.0.1:3"})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	a := anon()
	drain(alice)
	a.Leave("quit")
	anon()
	clock.Advance(ReconnectGrace)
	if got := drain(alice); len(kinds(got, message.Join))+len(kinds(got, message.Leave)) != 0 {
		t.Fatalf("a keyless reconnect showed %+v", got)
	}
}

// Leave lines that are acts of others (/part, a kick) are posted at once;
// at shutdown, held leave lines are dropped.
func TestOnlyASessionEndingWaitsForAReconnect(t *testing.T) {
	clock := newFakeClock()
	h := newHub(t, Options{Now: clock.Now, AfterFunc: clock.AfterFunc, Operators: opSet{key("op"): true}})
	op := join(t, h, "op")
	bob := join(t, h, "bob")
	join(t, h, "carol")
	submit(t, bob, "/join #go")
	submit(t, op, "/join #go")
	drain(op)
	submit(t, bob, "/part")
	if l := kinds(drain(op), message.Leave); len(l) != 1 {
		t.Fatalf("/part showed %+v", l)
	}
	submit(t, op, "/kick carol")
	if l := kinds(drain(op), message.Leave); len(l) != 1 || !strings.Contains(l[0].Text, "kicked") {
		t.Fatalf("a kick showed %+v", l)
	}
	bob.Leave("quit")
	h.Shutdown()
	clock.Advance(ReconnectGrace)
	if l := kinds(drain(op), message.Leave); len(l) != 0 {
		t.Fatalf("held leave lines were posted after shutdown: %+v", l)
	}
}
