package lineui

import (
	"strings"
	"testing"
	"time"

	"github.com/chatroom/chatroom/chat"
)

func TestFormat(t *testing.T) {
	at := time.Date(2026, 1, 2, 15, 4, 0, 0, time.UTC)
	key := "SHA256:" + strings.Repeat("A", 43)
	for _, c := range []struct {
		msg   chat.Message
		label string
		want  string
	}{
		{chat.Message{Time: at, Kind: chat.Chat, Nick: "alice", Author: key, Text: "hi"}, "", "15:04 <alice> hi"},
		{chat.Message{Time: at, Kind: chat.Chat, Nick: "bob", Author: "session-x", Text: "hi"}, "", "15:04 <~bob> hi"},
		{chat.Message{Time: at, Kind: chat.Action, Nick: "alice", Author: key, Text: "waves"}, "#go", "15:04 #go * alice waves"},
		{chat.Message{Time: at, Kind: chat.Join, Nick: "bob", Author: key}, "", "15:04 -> bob joined"},
		{chat.Message{Time: at, Kind: chat.Leave, Nick: "bob", Author: key, Text: "quit"}, "", "15:04 <- bob left (quit)"},
		{chat.Message{Time: at, Kind: chat.Error, Text: "no"}, "", "15:04 ! no"},
		{chat.Message{Time: at, Kind: chat.Chat, Nick: "alice", Author: key, Text: "a\n<bob> fake"}, "", "15:04 <alice> a\n      | <bob> fake"},
	} {
		if got := Format(c.msg, time.UTC, c.label); got != c.want {
			t.Errorf("Format(%+v) = %q, want %q", c.msg, got, c.want)
		}
	}
}
