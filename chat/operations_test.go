package chat_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	. "github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/chat/command"

	"github.com/chatroom/chatroom/chat/message"
)

// The operations refuse a member who is not an operator themselves, so
// that a front end calling them without the command parser cannot get
// round dispatch.
func TestOperationsRefuseNonOperators(t *testing.T) {
	h := newHub(t, Options{Operators: opSet{key("op"): true}})
	op := joinAs(t, h, "boss", key("op"), "10.0.0.1")
	bob := joinAs(t, h, "bob", key("bob"), "10.0.0.2")
	carol := joinAs(t, h, "carol", key("carol"), "10.0.0.3")
	if err := op.Join("#den"); err != nil {
		t.Fatal(err)
	}
	if err := op.Mute("carol", time.Hour, "spam"); err != nil {
		t.Fatal(err)
	}
	if err := bob.Join("#den"); err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"Kick":        func() error { return bob.Kick("carol", "") },
		"Ban":         func() error { return bob.Ban("carol", time.Hour, "") },
		"Mute":        func() error { return bob.Mute("carol", 0, "") },
		"Unban":       func() error { return bob.Unban("carol") },
		"Unmute":      func() error { return bob.Unmute("carol") },
		"Invite":      func() error { return bob.Invite("den", "carol") },
		"Uninvite":    func() error { return bob.Uninvite("den", "carol") },
		"SetPrivate":  func() error { return bob.SetPrivate("den", true) },
		"DeleteRoom":  func() error { _, err := bob.DeleteRoom("#den", true); return err },
		"Release":     func() error { return bob.Release("carol") },
		"SetMOTD":     func() error { return bob.SetMOTD("hello") },
		"SetOp":       func() error { return bob.SetOp("bob", true) },
		"SetOp other": func() error { return bob.SetOp("carol", true) },
		"Sanctions":   func() error { _, err := bob.Sanctions(); return err },
	} {
		if err := call(); !errors.Is(err, ErrNotOperator) {
			t.Errorf("%s by a non-operator: %v, want ErrNotOperator", name, err)
		}
	}
	if err := carol.Say("still muted?"); !errors.Is(err, ErrMuted) {
		t.Error("carol's mute was lifted by a non-operator")
	}
	if rooms, _ := op.Rooms(); len(rooms) != 2 {
		t.Errorf("the operator's rooms changed: %+v", rooms)
	}
}

// The typed operations, called as a second front end would, without ssh,
// terminal or command parser: each refusal is told apart by its kind, and
// keeps the sentence people read.
func TestOperationsReturnTypedErrors(t *testing.T) {
	clock := newFakeClock()
	h := newHub(t, Options{Operators: opSet{key("op"): true}, Now: clock.Now, AfterFunc: clock.AfterFunc,
		MessageRate: 1, MessageBurst: 20})
	op := joinAs(t, h, "boss", key("op"), "10.0.0.1")
	bob := joinAs(t, h, "bob", key("bob"), "10.0.0.2")
	carol := joinAs(t, h, "carol", key("carol"), "10.0.0.3")

	check := func(what string, err, kind error, sentence string) {
		t.Helper()
		if !errors.Is(err, kind) {
			t.Errorf("%s: %v, want %v", what, err, kind)
			return
		}
		if !strings.Contains(err.Error(), sentence) {
			t.Errorf("%s: %q does not say %q", what, err, sentence)
		}
	}
	check("Kick nobody", op.Kick("nobody", ""), ErrNoSuchNick, `nobody called "nobody" is online`)
	check("Kick yourself", op.Kick("boss", ""), ErrSelf, "you cannot kick yourself")
	check("Ban nobody", op.Ban("nobody", 0, ""), ErrNoSuchNick, "no key owns that nick")
	check("Ban yourself", op.Ban("boss", 0, ""), ErrSelf, "you cannot ban yourself")
	if err := op.SetOp("bob", true); err != nil {
		t.Fatal(err)
	}
	check("Ban a listed operator", bob.Ban("boss", time.Hour, ""), ErrProtected, "in the operators file")
	check("Kick a listed operator", bob.Kick("boss", ""), ErrProtected, "in the operators file")
	if err := op.SetOp("bob", false); err != nil {
		t.Fatal(err)
	}
	check("SendDirect to nobody", bob.SendDirect("nobody", "hi"), ErrNoSuchNick, "no key owns that nick")
	check("SendDirect to yourself", bob.SendDirect("bob", "hi"), ErrSelf, "that is you")
	check("Part a room one is not in", bob.Part("#nowhere"), ErrNotInRoom, "you are not in #nowhere")
	_, err := op.DeleteRoom("#nowhere", false)
	check("DeleteRoom of no room", err, ErrNoSuchRoom, "there is no room #nowhere")

	// An invite-only room lets in the invited only.
	if err := op.Join("#den"); err != nil {
		t.Fatal(err)
	}
	if err := op.SetPrivate("#den", true); err != nil {
		t.Fatal(err)
	}
	check("Join an invite-only room", bob.Join("#den"), ErrInviteOnly, "#den is invite-only")
	if err := op.Invite("den", "bob"); err != nil {
		t.Fatal(err)
	}
	if err := bob.Join("#den"); err != nil {
		t.Fatalf("Join after an invitation: %v", err)
	}

	// Muted: no line, topic or nick; the kind says so, whatever was tried.
	if err := op.Mute("carol", time.Hour, "spam"); err != nil {
		t.Fatal(err)
	}
	check("Say while muted", carol.Say("hello"), ErrMuted, "message not sent: you are muted")
	check("SetTopic while muted", carol.SetTopic("", "mine"), ErrMuted, "topic not changed: you are muted")
	check("SendDirect while muted", carol.SendDirect("bob", "psst"), ErrMuted, "message not sent: you are muted")
	_, err = command.Submit(carol, "/nick caroline")
	check("/nick while muted", err, ErrMuted, "nick not changed: you are muted")
	if err := op.Unmute("carol"); err != nil {
		t.Fatal(err)
	}
	if err := carol.SetTopic("", "carol's corner"); err != nil {
		t.Fatalf("SetTopic after the mute was lifted: %v", err)
	}

	// Too fast: a *LimitError says how long to wait.
	var limited *LimitError
	for i := 0; i < 30 && limited == nil; i++ {
		err := bob.SetTopic("den", "topic")
		if err != nil && !errors.As(err, &limited) {
			t.Fatalf("SetTopic: %v", err)
		}
	}
	if limited == nil || limited.Wait <= 0 || limited.What != "change the topic" {
		t.Fatalf("changing the topic fast was not limited: %+v", limited)
	}

	// Banned: the next Join is refused with its kind.
	if err := op.Ban("carol", time.Hour, "spam"); err != nil {
		t.Fatal(err)
	}
	if !isDone(carol) {
		t.Error("the ban left carol's session open")
	}
	_, err = h.Join(Identity{Key: key("carol"), Nick: "carol", Addr: "10.0.0.3:1"})
	check("Join while banned", err, ErrBanned, "you cannot join: this key is banned")
	if err := op.Unban("carol"); err != nil {
		t.Fatal(err)
	}

	// Usage: a command typed wrong says how to type it.
	_, err = command.Submit(op, "/kick")
	check("/kick alone", err, command.ErrUsage, "usage: /kick NICK")
	_, err = command.Submit(op, "/nosuch")
	check("/nosuch", err, command.ErrUsage, "unknown command")
}

// History and Search give what a front end without a view asks for:
// messages as the member is shown them.
func TestHistoryAndSearchOperations(t *testing.T) {
	h := newHub(t, Options{})
	alice := join(t, h, "alice")
	bob := join(t, h, "bob")
	for _, line := range []string{"one apple", "two", "three apples"} {
		if err := alice.Say(line); err != nil {
			t.Fatal(err)
		}
	}
	if err := bob.Say("bob's apple"); err != nil {
		t.Fatal(err)
	}
	got, err := alice.History("", 0, 3)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, m := range got {
		lines = append(lines, m.Text)
		if m.Room != Lobby {
			t.Errorf("History gave a message of room %q", m.Room)
		}
	}
	if strings.Join(lines, "|") != "two|three apples|bob's apple" {
		t.Fatalf("History(last 3) = %q", lines)
	}
	older, err := alice.History("#lobby", got[0].Seq, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(older) == 0 || older[len(older)-1].Text != "one apple" {
		t.Fatalf("History before %d = %+v", got[0].Seq, older)
	}

	submit(t, alice, "/ignore bob")
	got, err = alice.History("", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range got {
		if m.Author == bob.Author() && m.Kind == message.Chat {
			t.Fatalf("History gave a line of someone ignored: %+v", m)
		}
	}

	res, err := alice.Search("", "apple", 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 3 || res.Read != 1 || len(res.Found) != 0 {
		t.Fatalf("Search page 1 (newest is bob's, ignored): %+v", res)
	}
	res, err = alice.Search("", "apple", res.Next, 5)
	if err != nil {
		t.Fatal(err)
	}
	if res.Read != 2 || len(res.Found) != 2 || res.Found[0].Text != "three apples" {
		t.Fatalf("Search page 2: %+v", res)
	}
	if _, err := alice.Search("#elsewhere", "apple", 0, 5); !errors.Is(err, ErrNotInRoom) {
		t.Fatalf("Search of a room alice is not in: %v", err)
	}
}

// The queries the commands word return data, without the parser: who
// someone is (their address to operators only), who is in a room, whom a
// member ignores, and typed refusals where there is nothing to show.
func TestQueriesReturnData(t *testing.T) {
	clock := newFakeClock()
	h := newHub(t, Options{Now: clock.Now, AfterFunc: clock.AfterFunc, Operators: opSet{key("op"): true}})
	op := joinAs(t, h, "boss", key("op"), "10.0.0.1")
	bob := joinAs(t, h, "bob", key("bob"), "10.0.0.2")
	joined := clock.Now()
	clock.Advance(2 * time.Hour)
	if err := bob.Away("lunch"); err != nil {
		t.Fatal(err)
	}

	w, err := op.Whois("@BOB")
	if err != nil {
		t.Fatal(err)
	}
	if w.Nick != "bob" || w.Key != key("bob") || !w.Joined.Equal(joined) || w.AwayReason != "lunch" || w.AwaySince.IsZero() ||
		w.Operator || w.Addr != "10.0.0.2" || w.Devices != 1 {
		t.Errorf("operator's whois bob = %+v", w)
	}
	if w, err := bob.Whois("boss"); err != nil || w.Addr != "" || !w.Operator {
		t.Errorf("bob's whois boss = %+v, %v: want an operator, no address", w, err)
	}
	if _, err := bob.Whois("nobody"); !errors.Is(err, ErrNoSuchNick) {
		t.Errorf("whois nobody: %v, want ErrNoSuchNick", err)
	}

	n := bob.Names()
	if n.Room != Lobby || n.Direct || len(n.Online) != 2 || n.Online[0].Nick != "bob" || !n.Online[0].Away {
		t.Errorf("Names = %+v", n)
	}

	if err := bob.Ignore("boss"); err != nil {
		t.Fatal(err)
	}
	h.WaitWrites()
	if got := bob.Ignored(); len(got) != 1 || got[0] != (Ignored{Nick: "boss"}) {
		t.Errorf("Ignored = %+v", got)
	}

	if room, topic, err := bob.Topic(); err != nil || room != Lobby || topic != "" {
		t.Errorf("Topic = %q, %q, %v", room, topic, err)
	}
	if err := bob.SendDirect("boss", "hi"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := bob.Topic(); !errors.Is(err, ErrNoTopic) {
		t.Errorf("Topic in a direct conversation: %v, want ErrNoTopic", err)
	}
	if _, err := bob.SearchNext("", 20); !errors.Is(err, ErrNoSearch) {
		t.Errorf("SearchNext with no search made: %v, want ErrNoSearch", err)
	}
}
