package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/rivo/uniseg"

	"github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/chat/message"
)

// indent is the width of the time column ("15:04 "); wrapped lines of a
// message start under its text, not under its time.
const indent = 6

// entry is one message in a session's scrollback, with its lines cached for
// the width they were wrapped at: re-wrapping on every frame would cost every
// session CPU for each message anyone sends.
type entry struct {
	msg     message.Message
	mine    bool
	mention bool // names the reader, or is a direct message to them
	pending bool // the reader's line, held back by the rate limit
	// marker is the line where what was unread starts, for count
	// messages; above says the first of them is in older pages, not yet
	// loaded.
	marker bool
	count  int
	above  bool
	width  int
	lines  []line
	// shared lays out room messages once for all sessions; nil when the
	// session has none (see Layouts).
	shared *Layouts
}

// news reports whether the entry is something others said that the reader
// has not seen before: what unread counts and the bell are about.
func (e *entry) news() bool {
	m := e.msg
	return !e.mine && !m.Private && !m.Backlog && !m.Older && (m.Kind == message.Chat || m.Kind == message.Action)
}

// hangOf says where a line of a notice wraps onto its next rows: under
// its second column, for a row of a table (a gap of two spaces or more
// after its first column, as /help's "  /join #ROOM   go to a room"),
// else under its indent. It returns the byte where the wrapped part
// begins and the cells before it; a hang past half the width gives way to
// the indent, and that to none.
func hangOf(para string, width int) (cut, cells int) {
	indent := len(para) - len(strings.TrimLeft(para, " "))
	cut = indent
	if g := strings.Index(para[indent:], "  "); g > 0 {
		col := indent + g
		col += len(para[col:]) - len(strings.TrimLeft(para[col:], " "))
		if col < len(para) {
			cut = col
		}
	}
	if cells = uniseg.StringWidth(para[:cut]); cells > width/2 {
		cut = min(indent, width/2)
		cells = cut
	}
	return cut, cells
}

// line is one styled screen line and its width in cells, measured once
// when the entry is laid out rather than on every frame.
type line struct {
	text  string
	width int
}

// render returns the entry's styled lines for width w: laid out once for
// every session through e.shared, if set and the entry looks the same to
// every reader, else by this session.
func (e *entry) render(w int, st *styles, loc *time.Location) []line {
	if e.width == w && e.lines != nil {
		return e.lines
	}
	e.width = w
	if e.shared != nil && shareable(e) {
		e.lines = e.shared.lines(e, w, loc)
	} else {
		e.lines = e.layout(w, st, loc)
	}
	return e.lines
}

func (e *entry) layout(w int, st *styles, loc *time.Location) []line {
	if e.marker {
		return []line{markerLine(e, w, st)}
	}
	m := e.msg
	// lead is the styled start of the first line; plain is the same text
	// unstyled, so that wrapping can measure it.
	var lead, plainLead, body string
	bodyStyle := st.event
	// who is the author as every line shows them: people who joined
	// without a key are marked ~, as IRC marks unidentified users; '~'
	// cannot be part of a nick, so nobody can fake or hide it.
	who := m.Nick
	if !m.Verified() {
		who = "~" + who
	}
	// Text people typed can hold lines of its own; its continuation lines
	// carry a mark in the time column, so no line can pass for a message
	// of its own ("<you> ...") or for the server's.
	typed := false
	switch m.Kind {
	case message.Chat:
		name := who
		nickStyle := st.nick(m.Nick)
		if e.mine {
			name, nickStyle = "you", nickStyle.Inherit(st.self)
		}
		plainLead = "<" + name + ">"
		lead = nickStyle.Render(plainLead)
		body, bodyStyle, typed = m.Text, st.plain, true
		if e.mention && !chat.IsDirect(m.Room) {
			bodyStyle = st.mention
		}
		if e.pending {
			// Not sent yet: dimmed, until the room has it.
			lead, bodyStyle = st.placeholder.Render(plainLead), st.placeholder
		}
	case message.Action:
		plainLead = "* " + who
		lead = st.nick(m.Nick).Italic(true).Render(plainLead)
		body, bodyStyle, typed = m.Text, st.nick(m.Nick).UnsetBold().Italic(true), true
		if e.mine {
			// What is yours is led by <you>, whatever kind of line it
			// is; "* you waves" would not be English.
			plainLead = "<you>"
			lead = st.nick(m.Nick).Inherit(st.self).Render(plainLead)
			body = "* " + m.Text
		}
	case message.Join:
		plainLead = "→"
		lead = st.event.Render(plainLead)
		body = who + " joined"
		if m.Text != "" {
			body = who + " " + m.Text
		}
	case message.Leave:
		plainLead = "←"
		lead = st.event.Render(plainLead)
		body = who + " left"
		if m.Text != "" {
			body += " (" + m.Text + ")"
		}
	case message.NickChange:
		// Not "~", which marks people without a key.
		plainLead = "»"
		lead = st.event.Render(plainLead)
		body = who + " is now known as " + m.Text
	case message.Error:
		plainLead = "!"
		lead = st.err.Render(plainLead)
		body, bodyStyle = m.Text, st.err.UnsetBold()
	case message.Announcement:
		plainLead = "■"
		lead = st.disconnect.Render(plainLead)
		body, bodyStyle = m.Text, st.disconnect
	default: // Notice
		plainLead = "·"
		lead = st.notice.Render(plainLead)
		body, bodyStyle = m.Text, st.notice
		if e.pending {
			lead, bodyStyle = st.placeholder.Render(plainLead), st.placeholder
		}
	}

	textWidth := max(1, w-indent)
	// Each line of the text wraps on its own; an indented line (help,
	// pasted code) keeps its indent on the lines it wraps onto.
	var wrapped []string
	for i, para := range strings.Split(plainLead+" "+body, "\n") {
		cut, hang := 0, 0
		if i > 0 {
			cut, hang = hangOf(para, textWidth)
		}
		pad := strings.Repeat(" ", hang)
		for j, l := range wrap(para[cut:], textWidth-hang) {
			if j == 0 {
				wrapped = append(wrapped, para[:cut]+l)
			} else {
				wrapped = append(wrapped, pad+l)
			}
		}
	}
	stamp := st.time.Render(m.Time.In(loc).Format("15:04")) + " "
	if e.mention && !chat.IsDirect(m.Room) {
		stamp = st.mentionMark.Render(m.Time.In(loc).Format("15:04")) + " "
	}
	pad := strings.Repeat(" ", indent)
	if typed {
		pad = strings.Repeat(" ", indent-2) + st.rule.Render("│") + " "
	}
	lines := make([]line, len(wrapped))
	for i, l := range wrapped {
		prefix := pad
		if i == 0 {
			prefix = stamp
		}
		width := indent + ansi.StringWidth(l)
		if i == 0 && strings.HasPrefix(l, plainLead) {
			l = lead + bodyStyle.Render(l[len(plainLead):])
		} else {
			l = bodyStyle.Render(l)
		}
		lines[i] = line{text: prefix + l, width: width}
	}
	return lines
}

// markerLine is the unread marker: a rule across the message area with the
// count in it, as WeeChat and Slack draw theirs.
func markerLine(e *entry, w int, st *styles) line {
	label := fmt.Sprintf(" %d new ", e.count)
	if e.above {
		label = fmt.Sprintf(" %d new; the first are above: PgUp loads them ", e.count)
	}
	label = ansi.Truncate(label, max(0, w-4), "…")
	rest := max(0, w-2-ansi.StringWidth(label))
	return line{text: st.rule.Render("──") + st.hint.Render(label) + st.rule.Render(strings.Repeat("─", rest)),
		width: min(w, 2+ansi.StringWidth(label)+rest)}
}
