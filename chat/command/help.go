package command

import (
	"fmt"
	"strings"

	"github.com/chatroom/chatroom/chat"
)

// /help, generated from the table.

func cmdHelp(m *chat.Member, _ string) (Effect, error) {
	Help(m, ViewHelp{})
	return Stay, nil
}

// ViewHelp is what a front end adds to /help: the commands it carries out
// itself (the full-screen view's /clear, /mouse, /bell), which never
// reach the room, and a last line (where its keys are listed). The room's
// commands name no keys: a line-mode session has none.
type ViewHelp struct {
	// Title heads Commands, e.g. "In this view:".
	Title    string
	Commands []Command
	Footer   string
}

// Help shows m the commands it may use, operators' commands to
// operators only, with those of its view (v) in a section of their own.
func Help(m *chat.Member, v ViewHelp) {
	op, _ := m.Rights()
	table := Commands()
	width := 0
	for _, c := range table {
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
		for _, c := range table {
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
	m.Notify(b.String())
}
