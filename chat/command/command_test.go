package command

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/chat/message"
)

// The hub and members these tests drive, as package chat's tests make them.

func key(name string) string {
	sum := sha256.Sum256([]byte(name))
	return "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])
}

type opSet map[string]bool

func (s opSet) IsOperator(key string) bool { return s[key] }

func newHub(t testing.TB, opts chat.Options) *chat.Hub {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return time.Date(2026, 11, 25, 12, 34, 0, 0, time.UTC) }
	}
	if opts.MessageRate == 0 {
		opts.MessageRate, opts.MessageBurst = 1e9, 1<<30
	}
	h, err := chat.NewHub(opts)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func joinAs(t *testing.T, h *chat.Hub, nick, key, addr string) *chat.Member {
	t.Helper()
	m, err := h.Join(chat.Identity{Key: key, Nick: nick, Addr: addr + ":5555"})
	if err != nil {
		t.Fatalf("join %s: %v", nick, err)
	}
	drain(m)
	return m
}

func drain(m *chat.Member) []message.Message {
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

func isDone(m *chat.Member) bool {
	select {
	case <-m.Done():
		return true
	default:
		return false
	}
}

// Every command the table keeps from everyone is refused to a member who is
// not an operator by dispatch itself, before its handler reads a word: with
// nothing after it, with words after it, and under an alias. Nobody else
// sees anything of it.
func TestDispatchRefusesOperatorCommandsToOthers(t *testing.T) {
	h := newHub(t, chat.Options{Operators: opSet{key("op"): true}})
	joinAs(t, h, "boss", key("op"), "10.0.0.1")
	bob := joinAs(t, h, "bob", key("bob"), "10.0.0.2")
	carol := joinAs(t, h, "carol", key("carol"), "10.0.0.3")
	gated := 0
	for _, c := range Commands() {
		if c.Who == ForEveryone {
			continue
		}
		gated++
		for _, name := range append([]string{c.Name}, c.Aliases...) {
			for _, line := range []string{"/" + name, "/" + name + " carol 1h spam", "/" + strings.ToUpper(name) + " #lobby confirm"} {
				t.Run(line, func(t *testing.T) {
					_, err := Submit(bob, line)
					if !errors.Is(err, chat.ErrNotOperator) {
						t.Fatalf("%q by a non-operator gave %v, want ErrNotOperator", line, err)
					}
					if want := "/" + c.Name + " is for operators"; !strings.Contains(err.Error(), want) {
						t.Errorf("%q: %q does not say %q", line, err, want)
					}
				})
			}
		}
	}
	if gated < 10 {
		t.Fatalf("only %d commands are for operators: the table lost its gates", gated)
	}
	if got := drain(carol); len(got) != 0 {
		t.Errorf("refused operator commands reached carol: %+v", got)
	}
	if isDone(carol) {
		t.Error("carol was closed")
	}
}

// A command entry that does not say who may run it is for operators: the
// zero value of Access gates.
func TestCommandWithoutAccessIsForOperators(t *testing.T) {
	h := newHub(t, chat.Options{Operators: opSet{key("op"): true}})
	ran := 0
	table := append(Commands(), Command{Name: "newthing", Args: "[X]", Help: "a command someone forgot to open",
		run: func(*chat.Member, string) (Effect, error) { ran++; return Stay, nil }})
	op := joinAs(t, h, "boss", key("op"), "10.0.0.1")
	bob := joinAs(t, h, "bob", key("bob"), "10.0.0.2")
	if _, err := dispatch(table, bob, "newthing", ""); !errors.Is(err, chat.ErrNotOperator) || ran != 0 {
		t.Fatalf("/newthing by bob: %v (ran %d times), want ErrNotOperator", err, ran)
	}
	if _, err := dispatch(table, op, "newthing", ""); err != nil {
		t.Fatal(err)
	}
	if ran != 1 {
		t.Fatalf("/newthing by an operator ran %d times", ran)
	}
}

func TestParse(t *testing.T) {
	cases := []struct {
		line string
		want Parsed
	}{
		{"hello", Parsed{Text: "hello"}},
		{"/nick  Bob ", Parsed{IsCommand: true, Name: "nick", Args: "Bob"}},
		{"/ME waves  at you", Parsed{IsCommand: true, Name: "me", Args: "waves  at you"}},
		{"//x", Parsed{Text: "/x"}},
		{"/", Parsed{IsCommand: true}},
		{"/me\nline two", Parsed{IsCommand: true, Name: "me", Args: "line two"}},
	}
	for _, c := range cases {
		if got := Parse(c.line); got != c.want {
			t.Errorf("Parse(%q) = %+v, want %+v", c.line, got, c.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"hi", "/nick a", "//x", "/", "/me \x1b", "/NICK\n\n", "/quit"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		p := Parse(line)
		if p.IsCommand {
			if !strings.HasPrefix(line, "/") || strings.HasPrefix(line, "//") {
				t.Fatalf("%q parsed as command", line)
			}
			if p.Name != strings.ToLower(p.Name) || strings.ContainsAny(p.Name, " \n") {
				t.Fatalf("bad name %q", p.Name)
			}
			return
		}
		if p.Text != line && "/"+p.Text != line {
			t.Fatalf("text %q from %q", p.Text, line)
		}
	})
}

// FuzzSubmit drives the whole command path with arbitrary lines: it must not
// panic, and whatever reaches another member must be terminal-safe.
func FuzzSubmit(f *testing.F) {
	for _, s := range []string{"hi", "/nick a\x1b", "/me \x9b2J", "/names", "/help", "\xff\xfe", "/nick " + strings.Repeat("é", 30),
		"/join #x\x1b", "/topic \x07t", "/msg b \x1b[2Jhi", "/reply x", "/search \"a OR\"*", "/history 3", "/rooms", "/part"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		h := newHub(t, chat.Options{})
		a, _ := h.Join(chat.Identity{Nick: "a"})
		b, _ := h.Join(chat.Identity{Nick: "b"})
		drain(b)
		_, _ = Submit(a, line)
		for _, m := range append(drain(b), drain(a)...) {
			for _, s := range []string{m.Text, m.Nick} {
				if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool {
					return (r < 0x20 && r != '\n') || (r >= 0x7f && r < 0xa0)
				}) {
					t.Fatalf("unsafe text reached a member: %q", s)
				}
			}
		}
	})
}

// FuzzOperatorCommands drives every command as an operator with arbitrary
// arguments: nothing may panic, and whatever reaches another member must be
// terminal-safe.
func FuzzOperatorCommands(f *testing.F) {
	for _, s := range []string{"/ban bob 7d spam", "/mute 10.0.0.2 1h", "/kick bob \x1b[2J", "/unban SHA256:x",
		"/op bob", "/deop", "/motd \u202ehi", "/whois bob", "/ignore bob", "/bans", "/ban ::1 3w"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		h := newHub(t, chat.Options{Operators: opSet{key("op"): true}})
		op, _ := h.Join(chat.Identity{Key: key("op"), Nick: "op", Addr: "10.0.0.1:1"})
		bob, _ := h.Join(chat.Identity{Key: key("bob"), Nick: "bob", Addr: "10.0.0.2:1"})
		watcher, _ := h.Join(chat.Identity{Nick: "watcher", Addr: "10.0.0.3:1"})
		_, _ = Submit(op, line)
		for _, m := range []*chat.Member{op, bob, watcher} {
			for _, msg := range drain(m) {
				for _, s := range []string{msg.Text, msg.Nick} {
					if strings.ContainsFunc(s, func(r rune) bool { return (r < 0x20 && r != '\n') || (r >= 0x7f && r < 0xa0) }) {
						t.Fatalf("unsafe text reached %s: %q", m.Nick(), s)
					}
				}
			}
			if r := m.ClosedReason(); strings.ContainsFunc(r, func(r rune) bool { return r < 0x20 || (r >= 0x7f && r < 0xa0) }) {
				t.Fatalf("unsafe close reason: %q", r)
			}
		}
	})
}
