package command

import (
	"strings"

	"github.com/chatroom/chatroom/chat"
)

// The member's own session: /nick, /me and /quit.

func cmdNick(m *chat.Member, args string) (Effect, error) {
	if args == "" {
		return Stay, usage("usage: /nick NEW (you are %s)", m.Nick())
	}
	return Stay, m.SetNick(args)
}

func cmdMe(m *chat.Member, args string) (Effect, error) {
	if strings.TrimSpace(args) == "" {
		return Stay, usage("usage: /me ACTION, e.g. /me waves")
	}
	return Stay, m.Act(args)
}

func cmdQuit(m *chat.Member, args string) (Effect, error) {
	m.SetQuitMessage(args)
	return Quit, nil
}
