// Package command is the chat's command layer: the parser, the table of
// commands (which both dispatches and generates /help, so the two cannot
// disagree) and thin handlers that read a command's arguments, call the
// typed operations of package chat, and turn what they return into text
// for the member. Who may run a command is declared in its table entry and
// checked here, before its handler runs.
package command

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/store"
)

// Command is one entry of the command table.
type Command struct {
	Name    string
	Aliases []string
	// Args is the argument synopsis shown in help, e.g. "NEW".
	Args string
	Help string
	// Who may run it. The zero value is ForOperators, so that a command
	// whose entry forgets to say is refused to everyone else: dispatch
	// checks it before the handler reads its arguments. Commands not for
	// everyone are listed apart in /help, to operators only.
	Who Access
	run func(m *chat.Member, args string) (Effect, error)
}

// Access says who may run a command.
type Access uint8

const (
	// ForOperators: members who are operators now (listed in the
	// operators file, or made one by /op, and not set aside with /deop).
	// The zero value.
	ForOperators Access = iota
	// ForEveryone: every member. A command that does something only
	// operators may (/motd TEXT) checks that in its operation.
	ForEveryone
	// ForListedOperators: operators, and listed operators who set their
	// rights aside with /deop, so that /op can give them back.
	ForListedOperators
)

// may reports whether m may run a command open to a.
func (a Access) may(m *chat.Member) bool {
	op, listed := m.Rights()
	switch a {
	case ForEveryone:
		return true
	case ForListedOperators:
		return op || listed
	default:
		return op
	}
}

// Usage is the command as help shows it: "/nick NEW".
func (c Command) Usage() string {
	if c.Args == "" {
		return "/" + c.Name
	}
	return "/" + c.Name + " " + c.Args
}

// Effect is what a front end should do after a line was submitted. What
// changes only a view (clearing it, the mouse, the bell) is no business of
// the chat: a view carries out its own commands before Submit (see package
// ui).
type Effect uint8

const (
	// Stay means carry on.
	Stay Effect = iota
	// Quit means the member asked to leave (/quit): the front end ends
	// the session, which calls Leave.
	Quit
)

// ErrUsage: a command was typed wrong; the sentence says how to type it.
var ErrUsage = errors.New("usage")

// usageError is a sentence for the person saying how to type a command,
// which errors.Is matches against ErrUsage.
type usageError struct{ text string }

func (e *usageError) Error() string { return e.text }
func (e *usageError) Unwrap() error { return ErrUsage }

// usage is a refusal for a command typed wrong: "usage: /kick NICK".
func usage(format string, args ...any) error {
	return &usageError{text: fmt.Sprintf(format, args...)}
}

// Commands returns the command table, for completion and help. It is
// built anew on each call: a caller may keep or change what it gets.
func Commands() []Command {
	return []Command{
		{Name: "help", Help: "show this help", Who: ForEveryone, run: cmdHelp},
		{Name: "nick", Args: "NEW", Help: "change your nick", Who: ForEveryone, run: cmdNick},
		{Name: "me", Args: "ACTION", Help: "say what you are doing: /me waves", Who: ForEveryone, run: cmdMe},
		{Name: "join", Args: "#ROOM", Help: "enter a room, making it if it is new", Who: ForEveryone, run: cmdJoin},
		{Name: "part", Help: "leave the room you are looking at", Who: ForEveryone, run: cmdPart},
		{Name: "rooms", Help: "list the rooms with their topics", Who: ForEveryone, run: cmdRooms},
		{Name: "topic", Args: "[TEXT]", Help: "show or set this room's topic", Who: ForEveryone, run: cmdTopic},
		{Name: "msg", Args: "NICK TEXT", Help: "a private message; it waits for them if they are away", Who: ForEveryone, run: cmdMsg},
		{Name: "reply", Args: "TEXT", Help: "answer the last direct message you got", Who: ForEveryone, run: cmdReply},
		{Name: "names", Help: "list who is in this room", Who: ForEveryone, run: cmdNames},
		{Name: "whois", Args: "NICK", Help: "who someone is: key, time online, last active", Who: ForEveryone, run: cmdWhois},
		{Name: "away", Args: "[REASON]", Help: "say you are away; whoever writes to you privately is told why, once", Who: ForEveryone, run: cmdAway},
		{Name: "back", Help: "say you are back (writing anything does too)", Who: ForEveryone, run: cmdBack},
		{Name: "history", Args: "[N]", Help: "load N earlier messages (default 50)", Who: ForEveryone, run: cmdHistory},
		{Name: "search", Args: "[TEXT]", Help: "find messages in this room, newest first; /search alone shows the next page", Who: ForEveryone, run: cmdSearch},
		{Name: "ignore", Args: "NICK", Help: "hide someone's messages from your view", Who: ForEveryone, run: cmdIgnore},
		{Name: "unignore", Args: "NICK", Help: "show someone's messages again", Who: ForEveryone, run: cmdUnignore},
		{Name: "ignored", Help: "list whom you ignore", Who: ForEveryone, run: cmdIgnored},
		{Name: "motd", Args: "[TEXT]", Help: "the message of the day (operators: set it; - clears)", Who: ForEveryone, run: cmdMOTD},
		{Name: "quit", Aliases: []string{"exit"}, Args: "[MESSAGE]", Help: "leave the chat, saying why if you like", Who: ForEveryone, run: cmdQuit},
		{Name: "quiet", Args: "[on|off]", Help: "hide others' joins and leaves from your view (alone: turn it over)", Who: ForEveryone, run: cmdQuiet},
		{Name: "highlight", Args: "[WORD]", Help: "lines with WORD count as for you, like your nick (alone: list them; -WORD removes one)", Who: ForEveryone, run: cmdHighlight},
		{Name: "unhighlight", Args: "WORD", Help: "stop highlighting WORD", Who: ForEveryone, run: cmdUnhighlight},

		{Name: "kick", Args: "NICK [REASON]", Help: "close someone's session", Who: ForOperators, run: cmdKick},
		{Name: "mute", Args: "NICK|KEY|IP [DURATION] [REASON]", Help: "stop someone posting (10m, 2h, 7d; none: for good)", Who: ForOperators,
			run: func(m *chat.Member, args string) (Effect, error) { return impose(m, store.Mute, args) }},
		{Name: "unmute", Args: "NICK|KEY|IP", Help: "let someone post again", Who: ForOperators,
			run: func(m *chat.Member, args string) (Effect, error) { return lift(m, store.Mute, args) }},
		{Name: "ban", Args: "NICK|KEY|IP [DURATION] [REASON]", Help: "keep a key or address out (and kick it)", Who: ForOperators,
			run: func(m *chat.Member, args string) (Effect, error) { return impose(m, store.Ban, args) }},
		{Name: "unban", Args: "NICK|KEY|IP", Help: "lift a ban", Who: ForOperators,
			run: func(m *chat.Member, args string) (Effect, error) { return lift(m, store.Ban, args) }},
		{Name: "bans", Help: "list bans and mutes", Who: ForOperators, run: cmdBans},
		{Name: "release", Args: "NICK", Help: "free a nick from the key that registered it", Who: ForOperators, run: cmdRelease},
		{Name: "op", Args: "[NICK]", Help: "make someone an operator until they leave (alone: take your own rights back)", Who: ForListedOperators, run: cmdOp},
		{Name: "deop", Args: "[NICK]", Help: "take someone's rights away until they leave (alone: set your own aside)", Who: ForListedOperators, run: cmdDeop},
		{Name: "private", Args: "on|off", Help: "make this room invite-only, or open again", Who: ForOperators, run: cmdPrivate},
		{Name: "invite", Args: "NICK", Help: "let someone with a key into this invite-only room", Who: ForOperators, run: cmdInvite},
		{Name: "uninvite", Args: "NICK", Help: "withdraw an invitation, and take them out of this room", Who: ForOperators, run: cmdUninvite},
		{Name: "delete", Args: "#ROOM [confirm]", Help: "delete a room and all its messages", Who: ForOperators, run: cmdDelete},
	}
}

// Parsed is a line from the input, split.
type Parsed struct {
	// IsCommand is true for "/name args".
	IsCommand bool
	// Name is the command name, lower-cased, without the slash.
	Name string
	// Args is the rest of the line after the name, trimmed.
	Args string
	// Text is the message to send when the line is not a command. A line
	// starting with "//" sends the rest with one slash.
	Text string
}

// Parse splits a line into a command or a message.
func Parse(line string) Parsed {
	if strings.HasPrefix(line, "//") {
		return Parsed{Text: line[1:]}
	}
	if !strings.HasPrefix(line, "/") {
		return Parsed{Text: line}
	}
	name, args, _ := strings.Cut(line[1:], " ")
	if i := strings.IndexByte(name, '\n'); i >= 0 {
		name, args = name[:i], name[i+1:]+" "+args
	}
	return Parsed{IsCommand: true, Name: strings.ToLower(name), Args: strings.TrimSpace(args)}
}

// Lookup finds a command by name or alias.
func Lookup(name string) (Command, bool) {
	return lookup(Commands(), name)
}

func lookup(table []Command, name string) (Command, bool) {
	for _, c := range table {
		if c.Name == name || slices.Contains(c.Aliases, name) {
			return c, true
		}
	}
	return Command{}, false
}

// Submit handles one line typed by the member, in the room it is looking
// at: a command, or a message to the room. An error means nothing was sent;
// its text is for the member.
func Submit(m *chat.Member, line string) (Effect, error) {
	m.MarkActive()
	p := Parse(line)
	if p.IsCommand {
		return dispatch(Commands(), m, p.Name, p.Args)
	}
	return Stay, m.Say(p.Text)
}

// dispatch runs the command name of table, if m may.
func dispatch(table []Command, m *chat.Member, name, args string) (Effect, error) {
	c, ok := lookup(table, name)
	if !ok {
		if name == "" {
			return Stay, usage("type a command after the slash; /help lists them")
		}
		return Stay, usage("unknown command %q: /help lists the commands; start a line with // to send it as text", "/"+name)
	}
	// Who may run it is checked here, before the arguments are read, so
	// that no command depends on its handler remembering to. The
	// operations the handlers call check again, under the lock they act
	// under: a front end that calls them without this parser is refused
	// too.
	if !c.Who.may(m) {
		if c.Who == ForListedOperators {
			return Stay, fmt.Errorf("%w: /%s is for operators; your key is not in the operators file", chat.ErrNotOperator, c.Name)
		}
		return Stay, chat.NotOperator(c.Name)
	}
	if c.Args == "" && args != "" {
		return Stay, usage("usage: %s (it takes nothing after it)", c.Usage())
	}
	return c.run(m, args)
}
