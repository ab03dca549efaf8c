// Package lineui is chatroom without the full-screen view: plain lines in,
// plain lines out, for scripts, pipes and terminals that cannot show the
// view (ssh -T, TERM=dumb). It writes no escape sequence at all: what it
// prints is text the room has sanitised, marked with ASCII.
package lineui

import (
	"strings"
	"time"

	"github.com/chatroom/chatroom/chat/message"
)

// Format renders msg as the line(s) line mode prints, in loc's time, with
// no newline at the end: "15:04 <alice> hi", "15:04 * alice waves",
// "15:04 -> bob joined". label, if not "", leads the text (the room the
// message is in, "#go", when it is not the one the member looks at).
// People without a key are marked ~, as the full view marks them. Text
// of several lines continues on lines marked "|", so that no line of it
// can pass for a message of its own.
func Format(msg message.Message, loc *time.Location, label string) string {
	who := msg.Nick
	if !msg.Verified() {
		who = "~" + who
	}
	var lead, body string
	typed := false
	switch msg.Kind {
	case message.Chat:
		lead, body, typed = "<"+who+">", msg.Text, true
	case message.Action:
		lead, body, typed = "* "+who, msg.Text, true
	case message.Join:
		lead, body = "->", who+" joined"
		if msg.Text != "" {
			body = who + " " + msg.Text
		}
	case message.Leave:
		lead, body = "<-", who+" left"
		if msg.Text != "" {
			body += " (" + msg.Text + ")"
		}
	case message.NickChange:
		lead, body = "--", who+" is now known as "+msg.Text
	case message.Error:
		lead, body = "!", msg.Text
	case message.Announcement:
		lead, body = "**", msg.Text
	default: // Notice
		lead, body = "-", msg.Text
	}
	stamp := "     "
	if !msg.Time.IsZero() {
		stamp = msg.Time.In(loc).Format("15:04")
	}
	if label != "" {
		stamp += " " + label
	}
	cont := strings.Repeat(" ", len(stamp)) + " "
	if typed {
		cont += "| "
	} else {
		cont += "  "
	}
	var b strings.Builder
	for i, line := range strings.Split(body, "\n") {
		if i == 0 {
			b.WriteString(stamp + " " + lead + " " + line)
			continue
		}
		b.WriteString("\n" + cont + line)
	}
	return b.String()
}
