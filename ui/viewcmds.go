package ui

import (
	"errors"
	"strings"

	"github.com/chatroom/chatroom/chat/command"
	"github.com/chatroom/chatroom/chat/message"
)

// Commands the view carries out itself: they change only this session's
// screen (what it shows, the mouse, the bell), hold no chat rule, and
// never reach the room. The room's /help lists them, in a section of
// their own, from the same table (see helpFor).

// viewCommand is one of them.
type viewCommand struct {
	command.Command // Name, Args and Help, as /help shows them
	run             func(m *Model, args string) error
}

// viewCommands is the table; a function, so that no table is shared
// mutable state.
func viewCommands() []viewCommand {
	return []viewCommand{
		{command.Command{Name: "help", Args: "keys", Help: "list the keys"}, (*Model).cmdHelp},
		{command.Command{Name: "bell", Args: "on|off", Help: "beep when someone mentions you or writes to you"}, (*Model).cmdBell},
		{command.Command{Name: "clear", Help: "clear your own view of this room"}, (*Model).cmdClear},
		{command.Command{Name: "mouse", Args: "on|off", Help: "on: the wheel scrolls; off: the terminal selects text"}, (*Model).cmdMouse},
	}
}

func usage(text string) error { return errors.New("usage: " + text) }

// runView carries out line if it is one of the view's commands, reporting
// whether it was.
func (m *Model) runView(line string) (ok bool, err error) {
	p := command.Parse(line)
	if !p.IsCommand {
		return false, nil
	}
	for _, c := range viewCommands() {
		if c.Name == p.Name {
			return true, c.run(m, p.Args)
		}
	}
	return false, nil
}

// viewHelp is what the view adds to the room's /help.
func viewHelp() command.ViewHelp {
	var cmds []command.Command
	for _, c := range viewCommands() {
		cmds = append(cmds, c.Command)
	}
	return command.ViewHelp{Title: "In this view:", Commands: cmds,
		Footer: "Keys: /help keys lists them (Ctrl+N/Ctrl+P switch rooms, PgUp scrolls)."}
}

// cmdHelp is /help, the room's list with the view's commands in it, and
// /help keys, the view's keys.
func (m *Model) cmdHelp(args string) error {
	switch strings.ToLower(args) {
	case "":
		command.Help(m.member, viewHelp())
	case "keys":
		m.answer(message.Notice, strings.Join(KeyHelp(), "\n"))
	default:
		return usage("/help [keys]")
	}
	return nil
}

func (m *Model) cmdClear(args string) error {
	if args != "" {
		return usage("/clear (it takes nothing after it)")
	}
	m.cur.clear()
	return nil
}

func (m *Model) cmdMouse(args string) error {
	return m.toggle(args, "/mouse on|off", &m.mouse,
		"Mouse on: the wheel scrolls; hold Shift (Option in iTerm2) to select text.",
		"Mouse off: select text as usual; scroll with PgUp/PgDn.")
}

func (m *Model) cmdBell(args string) error {
	return m.toggle(args, "/bell on|off", &m.bell,
		"Bell on: the terminal beeps when someone mentions you or writes to you.",
		"Bell off: mentions are still highlighted, without a sound.")
}

// toggle sets a view setting from "on" or "off" and says what it now does.
func (m *Model) toggle(args, usageText string, setting *bool, onText, offText string) error {
	switch strings.ToLower(args) {
	case "on":
		*setting = true
		m.addLocal(message.Notice, onText)
	case "off":
		*setting = false
		m.addLocal(message.Notice, offText)
	default:
		return usage(usageText)
	}
	return nil
}

// hintText is what the view adds to a room's line that speaks of
// something its keys do (see message.Message.Hint).
func hintText(h message.Hint) string {
	switch h {
	case message.HintSwitchRooms:
		return " Ctrl+N and Ctrl+P switch rooms."
	case message.HintGoThere:
		return " Ctrl+N goes to them."
	}
	return ""
}
