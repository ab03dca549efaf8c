package chat

import (
	"fmt"
	"slices"
	"strings"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/sanitize"
	"github.com/chatroom/chatroom/store"
)

// Command is one entry of the command table. The table both dispatches and
// generates /help, so the two cannot disagree.
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
	run func(m *Member, args string) (Effect, error)
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

// mayLocked reports whether m may run a command open to a. The caller
// holds h.mu.
func (a Access) mayLocked(m *Member) bool {
	switch a {
	case ForEveryone:
		return true
	case ForListedOperators:
		return m.isOpLocked() || m.hub.listedOp(m.key)
	default:
		return m.isOpLocked()
	}
}

// Usage is the command as help shows it: "/nick NEW".
func (c Command) Usage() string {
	if c.Args == "" {
		return "/" + c.Name
	}
	return "/" + c.Name + " " + c.Args
}

func defaultCommands() []Command {
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
			run: func(m *Member, args string) (Effect, error) { return m.sanctionCommand(store.Mute, args) }},
		{Name: "unmute", Args: "NICK|KEY|IP", Help: "let someone post again", Who: ForOperators,
			run: func(m *Member, args string) (Effect, error) { return m.liftCommand(store.Mute, args) }},
		{Name: "ban", Args: "NICK|KEY|IP [DURATION] [REASON]", Help: "keep a key or address out (and kick it)", Who: ForOperators,
			run: func(m *Member, args string) (Effect, error) { return m.sanctionCommand(store.Ban, args) }},
		{Name: "unban", Args: "NICK|KEY|IP", Help: "lift a ban", Who: ForOperators,
			run: func(m *Member, args string) (Effect, error) { return m.liftCommand(store.Ban, args) }},
		{Name: "bans", Help: "list bans and mutes", Who: ForOperators, run: cmdBans},
		{Name: "release", Args: "NICK", Help: "free a nick from the key that registered it", Who: ForOperators, run: cmdRelease},
		{Name: "op", Args: "[NICK]", Help: "make someone an operator for their session (alone: take your own rights back)", Who: ForListedOperators, run: cmdOp},
		{Name: "deop", Args: "[NICK]", Help: "take someone's session rights away (alone: set your own aside)", Who: ForListedOperators, run: cmdDeop},
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
func (h *Hub) Lookup(name string) (Command, bool) {
	for _, c := range h.commands {
		if c.Name == name || slices.Contains(c.Aliases, name) {
			return c, true
		}
	}
	return Command{}, false
}

func (m *Member) run(name, args string) (Effect, error) {
	c, ok := m.hub.Lookup(name)
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
	m.hub.mu.RLock()
	may := c.Who.mayLocked(m)
	m.hub.mu.RUnlock()
	if !may {
		if c.Who == ForListedOperators {
			return Stay, fmt.Errorf("%w: /%s is for operators; your key is not in the operators file", ErrNotOperator, c.Name)
		}
		return Stay, notOperator(c.Name)
	}
	if c.Args == "" && args != "" {
		return Stay, usage("usage: %s (it takes nothing after it)", c.Usage())
	}
	return c.run(m, args)
}

func cmdHelp(m *Member, _ string) (Effect, error) {
	m.Help(ViewHelp{})
	return Stay, nil
}

// ViewHelp is what a front end adds to /help: the commands it carries out
// itself (the full-screen view's /clear, /mouse, /bell), which never
// reach the room, and a last line (where its keys are listed). The room's
// texts name no keys: a line-mode session has none.
type ViewHelp struct {
	// Title heads Commands, e.g. "In this view:".
	Title    string
	Commands []Command
	Footer   string
}

// Help shows the member the commands it may use, operators' commands to
// operators only, with those of its view (v) in a section of their own.
func (m *Member) Help(v ViewHelp) {
	h := m.hub
	h.mu.RLock()
	op := m.isOpLocked()
	h.mu.RUnlock()
	width := 0
	for _, c := range h.commands {
		if c.Who == ForEveryone || op {
			width = max(width, len(c.Usage()))
		}
	}
	for _, c := range v.Commands {
		width = max(width, len(c.Usage()))
	}
	var b strings.Builder
	row := func(c Command) {
		fmt.Fprintf(&b, "\n  %-*s  %s", width, c.Usage(), c.Help)
		for _, a := range c.Aliases {
			fmt.Fprintf(&b, " (also /%s)", a)
		}
	}
	list := func(title string, forEveryone bool) {
		b.WriteString(title)
		for _, c := range h.commands {
			if (c.Who == ForEveryone) == forEveryone {
				row(c)
			}
		}
	}
	list("Commands:", true)
	b.WriteString("\n  //text" + strings.Repeat(" ", max(0, width-6)) + "  send a line that starts with /")
	if len(v.Commands) > 0 {
		b.WriteString("\n" + v.Title)
		for _, c := range v.Commands {
			row(c)
		}
	}
	if op {
		b.WriteString("\n")
		list("Operator commands:", false)
	}
	if v.Footer != "" {
		b.WriteString("\n" + v.Footer)
	}
	m.notice(message.Notice, b.String())
}

func cmdMe(m *Member, args string) (Effect, error) {
	if trimBlank(args) == "" {
		return Stay, usage("usage: /me ACTION, e.g. /me waves")
	}
	return Stay, m.post("", message.Action, args)
}

// maxQuitMessage bounds the message /quit leaves in everyone's view.
const maxQuitMessage = 100

func cmdQuit(m *Member, args string) (Effect, error) {
	if msg := strings.Join(strings.Fields(args), " "); msg != "" {
		// A muted member's parting words would be a way round the mute.
		h := m.hub
		h.mu.Lock()
		if m.mutedLocked(h.now()) == "" {
			m.quitMessage = sanitize.Text(sanitize.TruncateRunes(msg, maxQuitMessage))
		}
		h.unlock()
	}
	return Quit, nil
}
