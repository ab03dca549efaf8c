package command

import (
	"strings"
	"unicode"

	"github.com/chatroom/chatroom/chat"
)

// What a member chooses to see: /quiet, /highlight, /unhighlight.

func cmdQuiet(m *chat.Member, args string) (Effect, error) {
	var on bool
	switch strings.ToLower(args) {
	case "":
		on = !m.Quiet()
	case "on":
		on = true
	case "off":
	default:
		return Stay, usage("usage: /quiet [on|off]")
	}
	m.SetQuiet(on)
	return Stay, nil
}

func cmdHighlight(m *chat.Member, args string) (Effect, error) {
	if args == "" {
		list := m.Highlights()
		if len(list) == 0 {
			m.Notify("You highlight no words. /highlight WORD makes a line with WORD count as for you, as your nick does.")
		} else {
			m.Notify("You highlight: " + strings.Join(list, ", ") + ". /highlight -WORD removes one.")
		}
		return Stay, nil
	}
	if word, ok := strings.CutPrefix(args, "-"); ok {
		return cmdUnhighlight(m, word)
	}
	if strings.ContainsFunc(args, unicode.IsSpace) {
		return Stay, usage("usage: /highlight WORD (one word at a time)")
	}
	return Stay, m.Highlight(args)
}

func cmdUnhighlight(m *chat.Member, args string) (Effect, error) {
	if args == "" || strings.ContainsFunc(args, unicode.IsSpace) {
		return Stay, usage("usage: /unhighlight WORD")
	}
	return Stay, m.Unhighlight(args)
}
