// Package message is what every other package passes around: a Message of a
// room's log or a private line, its Kind and Hint, and what counts as a
// mention. It imports nothing of chatroom, so the store, the views and the
// domain can all share it.
package message

import (
	"strings"
	"time"
)

// Kind says what a message is, so a view can style chat apart from notices.
type Kind uint8

const (
	// Chat is a line someone said.
	Chat Kind = iota
	// Action is a /me line: "* alice waves".
	Action
	// Join announces a member arriving.
	Join
	// Leave announces a member leaving; Text holds the reason.
	Leave
	// NickChange announces a new nick; Nick is the old one, Text the new one.
	NickChange
	// Notice is a private line for one member: a welcome, a command's answer.
	Notice
	// Error is a private line telling one member that something they did
	// failed.
	Error
	// Announcement is a line from the server to everyone, such as a
	// moderation act.
	Announcement
)

// Message is one entry of a room's log, or a private line for one member.
type Message struct {
	// Room is the room the message belongs to. A private line with no
	// room belongs to whichever room the member is looking at.
	Room string
	// Seq is the message's place in the room's log, from 1. For a private
	// line it is the log position the line follows, so private lines and log
	// lines can be shown in the order they happened.
	Seq  uint64
	Time time.Time
	Kind Kind
	// Nick is the author's nick when the message was sent.
	Nick string
	// Author identifies the author across nick changes and reconnects: the
	// public key fingerprint, or a per-session id for keyless clients.
	Author string
	// Text is sanitised: it holds no byte a terminal would interpret, but
	// may hold newlines.
	Text string
	// Private marks lines that are not in the log and only one member sees.
	Private bool
	// Backlog marks log messages the member had seen before, or that came
	// before it joined: history, not news.
	Backlog bool
	// Older marks log messages the member asked for with /history: they go
	// above what the view already shows.
	Older bool
	// Hint, on a private line, says what a view may add to Text: how to
	// act on it with the view's own keys. The room's texts name no keys,
	// as a line-mode session has none.
	Hint Hint
}

// Hint says what a private line speaks of, for a view to add how to act
// on it (see Message.Hint).
type Hint uint8

const (
	// NoHint: nothing to add.
	NoHint Hint = iota
	// HintSwitchRooms: the line names other rooms the member is in.
	HintSwitchRooms
	// HintGoThere: the line names rooms with something new for the
	// member.
	HintGoThere
)

// Verified reports whether the author proved a key, rather than joining
// without one.
func (m Message) Verified() bool { return IsKey(m.Author) }

// IsKey reports whether an author or a moderation target is a public key
// fingerprint ("SHA256:..."), rather than a keyless session's id or an
// address.
func IsKey(target string) bool { return strings.HasPrefix(target, "SHA256:") }
