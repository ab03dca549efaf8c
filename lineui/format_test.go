package lineui

import (
	"strings"
	"testing"
	"time"

	"github.com/chatroom/chatroom/chat/message"
)

func TestFormat(t *testing.T) {
	at := time.Date(2026, 1, 2, 15, 4, 0, 0, time.UTC)
	key := "SHA256:" + strings.Repeat("A", 43)
	for _, c := range []struct {
		msg   message.Message
		label string
		want  string
	}{
		{message.Message{Time: at, Kind: message.Chat, Nick: "alice", Author: key, Text: "hi"}, "", "15:04 <alice> hi"},
		{message.Message{Time: at, Kind: message.Chat, Nick: "bob", Author: "session-x", Text: "hi"}, "", "15:04 <~bob> hi"},
		{message.Message{Time: at, Kind: message.Action, Nick: "alice", Author: key, Text: "waves"}, "#go", "15:04 #go * alice waves"},
		{message.Message{Time: at, Kind: message.Join, Nick: "bob", Author: key}, "", "15:04 -> bob joined"},
		{message.Message{Time: at, Kind: message.Leave, Nick: "bob", Author: key, Text: "quit"}, "", "15:04 <- bob left (quit)"},
		{message.Message{Time: at, Kind: message.Error, Text: "no"}, "", "15:04 ! no"},
		{message.Message{Time: at, Kind: message.Chat, Nick: "alice", Author: key, Text: "a\n<bob> fake"}, "", "15:04 <alice> a\n      | <bob> fake"},
	} {
		if got := Format(c.msg, time.UTC, c.label); got != c.want {
			t.Errorf("Format(%+v) = %q, want %q", c.msg, got, c.want)
		}
	}
}
