package execcmd

import (
	"time"

	"github.com/chatroom/chatroom/chat/message"
)

// Line is one message as --json prints it (tail, search): one JSON object
// a line. The schema is stable: fields are added, never renamed or
// removed.
type Line struct {
	Seq  uint64 `json:"seq"`  // place in the room's log, from 1
	Time string `json:"time"` // RFC 3339, UTC
	Room string `json:"room"` // without '#'
	Nick string `json:"nick"` // the author's nick then; "" for server lines
	// Key is the author's key fingerprint ("SHA256:..."), or null for
	// someone without a key and for server lines.
	Key  *string `json:"key"`
	Kind string  `json:"kind"` // chat, action, join, leave, nick, notice, error, announcement
	// Text is what was said; for nick, the new nick; for leave, why.
	Text string `json:"text"`
}

// Person is one entry of who --json.
type Person struct {
	Room       string  `json:"room"`
	Nick       string  `json:"nick"`
	Key        *string `json:"key"` // null without a key
	Op         bool    `json:"op"`
	Away       bool    `json:"away"`
	AwayReason string  `json:"away_reason"`
}

// RoomLine is one entry of rooms --json.
type RoomLine struct {
	Room       string `json:"room"`
	Online     int    `json:"online"`
	Topic      string `json:"topic"`
	InviteOnly bool   `json:"invite_only"`
}

// kinds names each message.Kind in the JSON.
var kinds = map[message.Kind]string{
	message.Chat: "chat", message.Action: "action", message.Join: "join", message.Leave: "leave",
	message.NickChange: "nick", message.Notice: "notice", message.Error: "error", message.Announcement: "announcement",
}

// LineOf is msg as --json prints it.
func LineOf(msg message.Message) Line {
	l := Line{Seq: msg.Seq, Time: msg.Time.UTC().Format(time.RFC3339), Room: msg.Room, Nick: msg.Nick,
		Kind: kinds[msg.Kind], Text: msg.Text}
	if msg.Verified() {
		l.Key = keyOrNull(msg.Author)
	}
	return l
}

func keyOrNull(key string) *string {
	if key == "" {
		return nil
	}
	return &key
}
