package ui

import (
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/chat/command"
	"github.com/chatroom/chatroom/store/memory"
)

// /clear, /mouse, /bell and /help keys are the view's: carried out here,
// they never reach the room, and /help lists them beside the room's
// commands.
func TestViewCommandsAreTheViews(t *testing.T) {
	h := newHub()
	for _, name := range []string{"clear", "mouse", "bell"} {
		if _, ok := command.Lookup(name); ok {
			t.Errorf("the room has /%s: it only changes a view", name)
		}
	}
	alice := newSession(t, h, "alice", 100, 60)

	alice.say("/help")
	alice.sync()
	alice.mustShow("Commands:", "/nick NEW", "In this view:", "/help keys", "list the keys",
		"/mouse on|off", "/bell on|off", "/clear", "Keys: /help keys lists them (Ctrl+N/Ctrl+P switch rooms, PgUp scrolls).")

	alice.say("/clear")
	alice.say("/help keys")
	alice.mustShow("Ctrl+N/Ctrl+P  next/previous room or conversation", "Alt+Enter      new line")

	alice.say("/bell off")
	alice.mustShow("Bell off: mentions are still highlighted")
	if alice.m.bell {
		t.Error("/bell off left the bell on")
	}
	alice.say("/BELL ON")
	if !alice.m.bell {
		t.Error("/BELL ON left the bell off")
	}
	alice.say("/mouse ON")
	alice.mustShow("Mouse on: the wheel scrolls")

	for _, bad := range []struct{ line, want string }{
		{"/mouse", "usage: /mouse on|off"},
		{"/bell loud", "usage: /bell on|off"},
		{"/clear now", "usage: /clear (it takes nothing after it)"},
		{"/help me", "usage: /help [keys]"},
	} {
		alice.say("/clear")
		alice.say(bad.line)
		alice.mustShow(bad.want)
		if alice.input() != bad.line {
			t.Errorf("%q: the refused line left the input: %q", bad.line, alice.input())
		}
		alice.press('u', tea.ModCtrl)
	}

	alice.typeText("/cl")
	alice.press(tea.KeyTab)
	if alice.input() != "/clear " {
		t.Fatalf("a view command does not complete: %q", alice.input())
	}
}

// /help keys, taller than the message area, opens at its first line, as
// a long answer from the room does.
func TestHelpKeysOpensAtItsFirstLine(t *testing.T) {
	s := newSession(t, newHub(), "alice", 80, 12)
	s.say("/help keys")
	s.mustShow("Keys:", "Enter          send")
	s.mustNotShow("Ctrl+C         clear the input")
}

// A room's line that speaks of other rooms gets the keys that go there;
// the room's text itself names none (line mode has no keys).
func TestHintsGetTheViewsKeys(t *testing.T) {
	h := newHubWith(chat.Options{Store: &memory.Store{}})
	first, err := h.Join(chat.Identity{Key: "SHA256:alice", Nick: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := command.Submit(first, "/join #go"); err != nil {
		t.Fatal(err)
	}
	first.Leave("quit")
	alice := newSession(t, h, "alice", 100, 24)
	alice.mustShow("You are back in #go too. Ctrl+N and Ctrl+P switch rooms.")
}
