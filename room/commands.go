package room

import (
	"fmt"
	"strings"

	"github.com/chatroom/chatroom/room/sanitize"
)

// Command is one entry of the command table. The table both dispatches and
// generates /help, so the two cannot disagree.
type Command struct {
	Name    string
	Aliases []string
	// Args is the argument synopsis shown in help, e.g. "NEW".
	Args string
	Help string
	run  func(m *Member, args string) (Effect, error)
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
		{Name: "help", Help: "show this help", run: cmdHelp},
		{Name: "nick", Args: "NEW", Help: "change your nick", run: cmdNick},
		{Name: "me", Args: "ACTION", Help: "say what you are doing: /me waves", run: cmdMe},
		{Name: "names", Help: "list who is online", run: cmdNames},
		{Name: "clear", Help: "clear your own view (nobody else's)", run: cmdClear},
		{Name: "mouse", Args: "on|off", Help: "on: the wheel scrolls; off: the terminal selects text", run: cmdMouse},
		{Name: "quit", Aliases: []string{"exit"}, Args: "[MESSAGE]", Help: "leave the chat, saying why if you like", run: cmdQuit},
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
		if c.Name == name {
			return c, true
		}
		for _, a := range c.Aliases {
			if a == name {
				return c, true
			}
		}
	}
	return Command{}, false
}

func (m *Member) run(name, args string) (Effect, error) {
	c, ok := m.room.hub.Lookup(name)
	if !ok {
		if name == "" {
			return Stay, fmt.Errorf("type a command after the slash; /help lists them")
		}
		return Stay, fmt.Errorf("unknown command %q: /help lists the commands; start a line with // to send it as text", "/"+name)
	}
	if c.Args == "" && args != "" {
		return Stay, fmt.Errorf("usage: %s (it takes nothing after it)", c.Usage())
	}
	return c.run(m, args)
}

func cmdHelp(m *Member, _ string) (Effect, error) {
	var b strings.Builder
	b.WriteString("Commands:")
	width := 0
	for _, c := range m.room.hub.commands {
		width = max(width, len(c.Usage()))
	}
	for _, c := range m.room.hub.commands {
		fmt.Fprintf(&b, "\n  %-*s  %s", width, c.Usage(), c.Help)
		for _, a := range c.Aliases {
			fmt.Fprintf(&b, " (also /%s)", a)
		}
	}
	b.WriteString("\n  //text" + strings.Repeat(" ", max(0, width-6)) + "  send a line that starts with /")
	for _, line := range m.room.hub.opts.HelpExtra {
		b.WriteString("\n" + line)
	}
	m.notice(Notice, b.String())
	return Stay, nil
}

func cmdNick(m *Member, args string) (Effect, error) {
	if args == "" {
		return Stay, fmt.Errorf("usage: /nick NEW (you are %s)", m.Nick())
	}
	return Stay, m.setNick(args)
}

func cmdMe(m *Member, args string) (Effect, error) {
	if trimBlank(args) == "" {
		return Stay, fmt.Errorf("usage: /me ACTION, e.g. /me waves")
	}
	return Stay, m.post(Action, args)
}

func cmdNames(m *Member, _ string) (Effect, error) {
	online := m.room.Online()
	names := make([]string, len(online))
	for i, o := range online {
		names[i] = o.Nick
	}
	m.notice(Notice, fmt.Sprintf("Online in #%s (%d): %s", m.room.name, len(names), strings.Join(names, ", ")))
	return Stay, nil
}

func cmdClear(*Member, string) (Effect, error) { return ClearView, nil }

func cmdMouse(_ *Member, args string) (Effect, error) {
	switch strings.ToLower(args) {
	case "on":
		return MouseOn, nil
	case "off":
		return MouseOff, nil
	}
	return Stay, fmt.Errorf("usage: /mouse on|off")
}

// maxQuitMessage bounds the message /quit leaves in everyone's view.
const maxQuitMessage = 100

func cmdQuit(m *Member, args string) (Effect, error) {
	if msg := strings.Join(strings.Fields(args), " "); msg != "" {
		m.setQuitMessage(sanitize.Text(truncateRunes(msg, maxQuitMessage)))
	}
	return Quit, nil
}
