package command

import (
	"strings"

	"github.com/chatroom/chatroom/chat"
)

// Private messages: /msg and /reply.

func cmdMsg(m *chat.Member, args string) (Effect, error) {
	nick, text, _ := strings.Cut(args, " ")
	if nick == "" || strings.TrimSpace(text) == "" {
		return Stay, usage("usage: /msg NICK TEXT")
	}
	return Stay, m.SendDirect(nick, text)
}

func cmdReply(m *chat.Member, args string) (Effect, error) {
	if strings.TrimSpace(args) == "" {
		return Stay, usage("usage: /reply TEXT")
	}
	return Stay, m.Reply(args)
}
