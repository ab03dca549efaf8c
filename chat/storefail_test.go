package chat_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/chat/command"
	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/fakeclock"
	"github.com/chatroom/chatroom/store/memory"
	"github.com/chatroom/chatroom/store/storetest"
)

// errFull is what SQLite says when the disk is full.
var errFull = errors.New("database or disk is full (13)")

// logLines is a Logger that keeps what it is told.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) add(level string, msg any, kv ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, strings.TrimSpace(fmt.Sprintln(append([]any{level, msg}, kv...)...)))
}

func (l *logLines) Error(msg any, kv ...any) { l.add("ERROR", msg, kv...) }
func (l *logLines) Info(msg any, kv ...any)  { l.add("INFO", msg, kv...) }

func (l *logLines) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

// faultyHub is a hub whose store and history can be made to fail writes.
func faultyHub(t *testing.T) (*chat.Hub, *storetest.Faulty, *fakeclock.Clock, *logLines) {
	t.Helper()
	f := &storetest.Faulty{Store: &memory.Store{}, History: &memory.History{}}
	c := fakeclock.New(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	logs := &logLines{}
	h, err := chat.NewHub(chat.Options{Store: f, History: f, Now: c.Now, AfterFunc: c.AfterFunc, Logger: logs, MessageRate: 1e9, MessageBurst: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	return h, f, c, logs
}

func joinFaulty(t *testing.T, h *chat.Hub, nick string) *chat.Member {
	t.Helper()
	m, err := h.Join(chat.Identity{Key: "SHA256:" + nick, Nick: nick, Addr: "127.0.0.1:1", Location: time.UTC})
	if err != nil {
		t.Fatalf("join %s: %v", nick, err)
	}
	return m
}

// read returns everything a member has to read now.
func read(m *chat.Member) []message.Message {
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

func find(msgs []message.Message, kind message.Kind, text string) *message.Message {
	for i := range msgs {
		if msgs[i].Kind == kind && strings.Contains(msgs[i].Text, text) {
			return &msgs[i]
		}
	}
	return nil
}

// When the store cannot write (a full disk), people can still come in and
// read: the join line that cannot be stored does not stop the join, and
// those in the room still see it, and the nick changes and leaves after
// it, as they happen.
func TestJoinAndReadingWorkWhenWritesFail(t *testing.T) {
	h, f, c, _ := faultyHub(t)
	alice := joinFaulty(t, h, "alice")
	if err := alice.Say("written before the disk filled"); err != nil {
		t.Fatal(err)
	}
	read(alice)

	f.FailWrites(errFull)
	bob, err := h.Join(chat.Identity{Key: "SHA256:bob", Nick: "bob", Addr: "127.0.0.1:2", Location: time.UTC})
	if err != nil {
		t.Fatalf("join while writes fail: %v", err)
	}
	got := read(bob)
	if find(got, message.Notice, "Welcome to chatroom!") == nil {
		t.Fatalf("bob was not welcomed: %+v", got)
	}
	if m := find(got, message.Chat, "written before the disk filled"); m == nil || !m.Backlog {
		t.Fatalf("bob cannot read what was said before: %+v", got)
	}
	if m := find(read(alice), message.Join, ""); m == nil || m.Nick != "bob" {
		t.Fatal("alice was not shown bob's join")
	}

	if _, err := command.Submit(bob, "/nick robert"); err != nil {
		t.Fatalf("nick change while writes fail: %v", err)
	}
	if m := find(read(alice), message.NickChange, "robert"); m == nil || m.Nick != "bob" {
		t.Fatal("alice was not shown bob's nick change")
	}
	bob.Leave("quit")
	c.Advance(time.Minute) // a leave line waits a minute for the person to come back
	if m := find(read(alice), message.Leave, "quit"); m == nil || m.Nick != "robert" {
		t.Fatal("alice was not shown bob leave")
	}
	if f.Failed() == 0 {
		t.Fatal("no write failed: the test tests nothing")
	}
}

// A line a person types must be stored before anyone sees it: when it
// cannot be, it is refused, nobody sees it, and its author is told in
// words that say what to do. Once the store works again, so does sending,
// and the log has no hole where the refused line would have been.
func TestUnstoredMessageIsRefusedAndItsAuthorTold(t *testing.T) {
	h, f, _, _ := faultyHub(t)
	alice := joinFaulty(t, h, "alice")
	bob := joinFaulty(t, h, "bob")
	read(alice)
	read(bob)

	f.FailWrites(errFull)
	for _, line := range []string{"hello?", "/me waves", "/msg alice psst"} {
		_, err := command.Submit(bob, line)
		if !errors.Is(err, chat.ErrNotStored) {
			t.Fatalf("%q while writes fail: %v, want ErrNotStored", line, err)
		}
		if want := "not sent: the server cannot store messages right now (disk full?); try again"; err.Error() != want {
			t.Fatalf("%q refused with %q, want %q", line, err, want)
		}
		if !errors.Is(err, errFull) {
			t.Errorf("%q: the cause is lost: %v", line, err)
		}
	}
	if got := read(alice); find(got, message.Chat, "hello?") != nil || find(got, message.Action, "waves") != nil || find(got, message.Chat, "psst") != nil {
		t.Fatalf("alice saw a line that was not stored: %+v", got)
	}

	f.FailWrites(nil)
	bob.Switch(chat.Lobby, 0) // /msg took bob to the conversation
	if err := bob.Say("hello?"); err != nil {
		t.Fatalf("after the store recovered: %v", err)
	}
	got := read(alice)
	sent := find(got, message.Chat, "hello?")
	if sent == nil {
		t.Fatalf("alice did not get the line sent again: %+v", got)
	}
	// The lobby had alice's and bob's join lines, stored: the line is the
	// third, whatever failed in between.
	if sent.Seq != 3 {
		t.Fatalf("the line sent again has Seq %d, want 3", sent.Seq)
	}
}

// Every failed write is logged with its cause, once, not once per message
// during a long outage: then at most a line a minute while writes keep
// failing, and a line when they work again.
func TestStoreFailuresAreLoggedOnceAMinute(t *testing.T) {
	h, f, c, logs := faultyHub(t)
	alice := joinFaulty(t, h, "alice")
	f.FailWrites(errFull)
	for i := range 20 {
		_ = alice.Say(fmt.Sprint("lost ", i))
	}
	joinFaulty(t, h, "bob")
	lines := logs.all()
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "ERROR") || !strings.Contains(lines[0], errFull.Error()) {
		t.Fatalf("log after 20 failed writes: %q, want one error line with the cause", lines)
	}

	c.Advance(30 * time.Second)
	_ = alice.Say("still lost")
	if lines := logs.all(); len(lines) != 1 {
		t.Fatalf("logged again within a minute: %q", lines)
	}
	c.Advance(31 * time.Second)
	_ = alice.Say("still lost")
	lines = logs.all()
	if len(lines) != 2 || !strings.HasPrefix(lines[1], "ERROR") || !strings.Contains(lines[1], "still failing") ||
		!strings.Contains(lines[1], errFull.Error()) {
		t.Fatalf("a minute later: %q, want a second line saying writes still fail", lines)
	}

	f.FailWrites(nil)
	if err := alice.Say("back"); err != nil {
		t.Fatal(err)
	}
	_ = alice.Say("and again")
	lines = logs.all()
	if len(lines) != 3 || !strings.HasPrefix(lines[2], "INFO") || !strings.Contains(lines[2], "succeed again") {
		t.Fatalf("after recovery: %q, want one line saying writes succeed again", lines)
	}

	f.FailWrites(errFull)
	_ = alice.Say("lost again")
	if lines := logs.all(); len(lines) != 4 || !strings.Contains(lines[3], errFull.Error()) || strings.Contains(lines[3], "still") {
		t.Fatalf("a new outage: %q, want it logged as a new first failure", lines)
	}
}

// operators makes the listed keys operators.
type operators []string

func (o operators) IsOperator(key string) bool { return slices.Contains(o, key) }

// Settings a person changes for themselves apply at once, stored or not;
// when they cannot be stored, the person is told it holds for this session
// only, rather than told it failed when it did not.
func TestUnignoreWhenItCannotBeStored(t *testing.T) {
	h, f, _, _ := faultyHub(t)
	alice := joinFaulty(t, h, "alice")
	joinFaulty(t, h, "bob")
	if _, err := command.Submit(alice, "/ignore bob"); err != nil {
		t.Fatal(err)
	}
	read(alice)
	f.FailWrites(errFull)
	if _, err := command.Submit(alice, "/unignore bob"); err != nil {
		t.Fatalf("/unignore while writes fail: %v", err)
	}
	if m := find(read(alice), message.Notice, "no longer ignore bob for this session only"); m == nil {
		t.Fatal("alice was not told the change holds for this session only")
	}
	if _, err := command.Submit(alice, "/ignore bob"); err != nil {
		t.Fatalf("/ignore again: %v (the first /unignore did not take)", err)
	}
}

// Making a room invite-only invites those in it, so they may come back;
// an operator whose invitations could not be stored is told so.
func TestPrivateRoomTellsWhomItCouldNotInvite(t *testing.T) {
	f := &storetest.Faulty{Store: &memory.Store{}, History: &memory.History{}}
	h, err := chat.NewHub(chat.Options{Store: f, History: f, Operators: operators{"SHA256:op"}})
	if err != nil {
		t.Fatal(err)
	}
	op := joinFaulty(t, h, "op")
	bob := joinFaulty(t, h, "bob")
	for _, m := range []*chat.Member{op, bob} {
		if _, err := command.Submit(m, "/join #team"); err != nil {
			t.Fatal(err)
		}
	}
	read(op)
	f.FailWrites(errFull, "Invite")
	if _, err := command.Submit(op, "/private on"); err != nil {
		t.Fatal(err)
	}
	if m := find(read(op), message.Error, "could not be invited"); m == nil || !strings.HasPrefix(m.Text, "2 of those here") {
		t.Fatalf("the operator was not told: %+v", m)
	}
}

// A room that cannot be marked empty is reported once, not again for every
// room the same sweep looks at after it.
func TestExpirySweepReportsEachFailureOnce(t *testing.T) {
	h, f, _, _ := faultyHub(t)
	alice := joinFaulty(t, h, "alice")
	for _, line := range []string{"/join #aa", "/part", "/join #bb", "/join #cc"} {
		if _, err := command.Submit(alice, line); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
	}
	// #aa is empty and not yet marked so: marking it fails. #bb and #cc,
	// after it, are in use: nothing to write for them.
	f.FailWrites(errFull, "MarkRoomEmpty")
	_, err := h.Prune(context.Background())
	if err == nil || strings.Count(err.Error(), errFull.Error()) != 1 {
		t.Fatalf("the sweep reported %v; want the one failure once", err)
	}
}
