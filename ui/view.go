package ui

import (
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/chat/command"
	"github.com/chatroom/chatroom/chat/message"
)

func (m *Model) resize(w, h int) {
	m.width, m.height = max(0, w), max(0, h)
	// The input grows with what is typed, up to a third of the screen.
	m.input.setSize(m.width, min(6, (m.height-4)/3))
	m.layoutInput()
	m.chromeChanged()
	m.settlePin()
}

// layoutInput drops the input's cached view. Every change to the input
// goes through here.
func (m *Model) layoutInput() {
	m.cache.input = ""
}

// chromeChanged drops the cached header and member list, after a resize or
// a change of who is online.
func (m *Model) chromeChanged() {
	m.cache.header = ""
	m.cache.panel = nil
}

// showPanel says whether the side panel is on screen: asked for, and room
// for it.
func (m *Model) showPanel() bool { return m.panel && m.width >= panelMinWidth }

// msgWidth is the width of the message area.
func (m *Model) msgWidth() int {
	if m.showPanel() {
		// A cell between the text and the panel's border, so that a
		// full row does not run into it.
		return m.width - panelWidth - 1
	}
	return m.width
}

// bodyHeight is the height of the message area: the screen less the header,
// the status rule and the input.
func (m *Model) bodyHeight() int {
	return max(1, m.height-2-m.input.height())
}

// View implements tea.Model.
func (m *Model) View() tea.View {
	var v tea.View
	v.AltScreen = true
	if m.tooSmall() {
		v.SetContent(tooSmall(m.width, m.height))
		return v
	}
	if m.mouse {
		v.MouseMode = tea.MouseModeCellMotion
	}
	bodyH := m.bodyHeight()
	if m.cache.input == "" {
		m.cache.input, m.cache.inputCursor = m.input.view()
	}
	if m.cache.header == "" {
		m.cache.header = m.headerView()
	}
	if m.cache.body == "" || m.cache.bodyKey != m.bodyKey(bodyH) {
		m.cache.body = strings.Join(m.bodyView(bodyH), "\n")
		// Drawing settles the scroll position: the key is taken after.
		m.cache.bodyKey = m.bodyKey(bodyH)
	}
	v.SetContent(m.cache.header + "\n" + m.cache.body + "\n" + m.statusView() + "\n" + m.cache.input)
	if c := m.cache.inputCursor; c != nil {
		cur := *c
		cur.Y += 2 + bodyH
		v.Cursor = &cur
	}
	return v
}

// tooSmall reports whether the terminal is too small for the view, which
// then shows only that, and takes no keys but Ctrl+C.
func (m *Model) tooSmall() bool { return m.width < MinWidth || m.height < MinHeight }

func tooSmall(w, h int) string {
	if w <= 0 || h <= 0 {
		return ""
	}
	lines := []string{
		"Terminal too small",
		fmt.Sprintf("%d×%d, need %d×%d", w, h, MinWidth, MinHeight),
	}
	var b strings.Builder
	top := max(0, (h-len(lines))/2)
	for i := 0; i < h && i-top < len(lines); i++ {
		if i > 0 {
			b.WriteByte('\n')
		}
		if i < top {
			continue
		}
		l := ansi.Truncate(lines[i-top], w, "…")
		b.WriteString(strings.Repeat(" ", max(0, (w-ansi.StringWidth(l))/2)) + l)
	}
	return b.String()
}

// headerView names the room on screen and its topic, and says who is here
// and, on terminals too narrow for the room list, what is unread elsewhere.
func (m *Model) headerView() string {
	tab := m.curTab()
	left := " chatroom · " + tab.Label
	if tab.DM {
		left += " · direct messages"
	} else if tab.Topic != "" {
		left += " · " + tab.Topic
	}
	who := strconv.Itoa(len(m.roster)) + " online · " + m.member.Nick() + " "
	if tab.DM {
		who = strconv.Itoa(len(m.roster)) + " here · " + m.member.Nick() + " "
	}
	unread := ""
	if !m.showPanel() {
		if n, forYou := m.unreadElsewhere(); forYou > 0 {
			unread = fmt.Sprintf("%d unread, %d for you (Ctrl+N) ", n, forYou)
		} else if n > 0 {
			unread = fmt.Sprintf("%d unread (Ctrl+N) ", n)
		}
	}
	// The topic gives way first; then who is here, before what is unread.
	minLeft := ansi.StringWidth(" chatroom · " + tab.Label)
	right := ""
	for _, r := range []string{joinParts(unread, who), unread, who} {
		if r != "" && minLeft+ansi.StringWidth(r)+1 <= m.width {
			right = r
			break
		}
	}
	rw := ansi.StringWidth(right)
	if ansi.StringWidth(left)+rw+1 > m.width {
		left = ansi.Truncate(left, max(minLeft, m.width-rw-1), "…")
	}
	gap := m.width - ansi.StringWidth(left) - rw
	if gap < 0 {
		return m.st.header.Render(ansi.Truncate(left, m.width, "…"))
	}
	if hot, rest, ok := strings.Cut(right, unread); ok && unread != "" && strings.Contains(unread, "for you") {
		// What is for the reader stands out as its badge in the panel
		// does: the header is where it shows while the panel is hidden.
		return m.st.header.Render(left) + m.st.headerDim.Render(strings.Repeat(" ", gap)+hot) +
			m.st.badgeHot.Render(strings.TrimSuffix(unread, " ")) + m.st.headerDim.Render(" "+rest)
	}
	return m.st.header.Render(left) + m.st.headerDim.Render(strings.Repeat(" ", gap)+right)
}

// joinParts joins the header's right-hand parts that are not empty.
func joinParts(a, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	return a + "· " + b
}

// curTab describes the room on screen.
func (m *Model) curTab() chat.RoomTab {
	for _, t := range m.tabs {
		if t.Name == m.cur.name {
			return t
		}
	}
	return chat.RoomTab{Name: m.cur.name, Label: "#" + m.cur.name}
}

// unreadElsewhere counts unread messages in rooms not on screen, and of
// them those for the reader (mentions and direct messages).
func (m *Model) unreadElsewhere() (n, forYou int) {
	for _, v := range m.views {
		if v != m.cur {
			n += v.unread
			forYou += v.mentions
		}
	}
	return n, forYou
}

func (m *Model) bodyKey(h int) bodyKey {
	v := m.cur
	k := bodyKey{view: v, entries: len(v.entries), pending: len(v.pending), scroll: v.scroll, w: m.msgWidth(), h: h}
	if n := len(v.entries); n > 0 {
		k.first, k.last = v.entries[0], v.entries[n-1]
	}
	if m.showPanel() && m.cache.panelH == h && len(m.cache.panel) > 0 {
		k.panel = &m.cache.panel[0]
	}
	return k
}

// bodyView returns exactly h rows: the message area and, on wide
// terminals, the member list beside it.
func (m *Model) bodyView(h int) []string {
	w := m.msgWidth()
	lines := m.visibleLines(w, h)
	var panel []string
	if m.showPanel() {
		if m.cache.panel == nil || m.cache.panelH != h {
			m.cache.panel, m.cache.panelH = m.panelView(h), h
		}
		panel = m.cache.panel
	}
	rows := make([]string, h)
	for i := range rows {
		row := lines[i].text
		if pad := w - lines[i].width; pad < 0 {
			row = ansi.Truncate(row, w, "")
		} else if panel != nil {
			// Only the panel needs the row filled out (and the gap before
			// it); the screen clears a shorter row's end.
			row += strings.Repeat(" ", pad+1)
		}
		if panel != nil {
			row += panel[i]
		}
		rows[i] = row
	}
	return rows
}

// pendingShown is how many rows the lines waiting to go take at most.
const pendingShown = 3

// visibleLines returns the h lines of the scrollback that the scroll
// position shows, oldest first, padded at the top when there are fewer. It
// lays out only the entries it needs; when the scrollback ends before the
// scroll position, it settles the scroll at the top.
func (m *Model) visibleLines(w, h int) []line {
	v := m.cur
	need := v.scroll + h
	var rev []line // newest line first
	pending := v.pending
	if len(pending) > pendingShown {
		// The next to go, then how many more: a long queue must not push
		// what the room says (or why a line was refused) off the screen.
		more := &entry{msg: message.Message{Kind: message.Notice, Private: true,
			Text: fmt.Sprintf("and %d more lines waiting to go, in order", len(pending)-pendingShown+1)}, pending: true}
		pending = append(pending[:pendingShown-1:pendingShown-1], more)
	}
	for j := len(pending) - 1; j >= 0 && len(rev) < need; j-- {
		ls := pending[j].render(w, m.st, m.loc)
		for k := len(ls) - 1; k >= 0; k-- {
			rev = append(rev, ls[k])
		}
	}
	i := len(v.entries) - 1
	for ; i >= 0 && len(rev) < need; i-- {
		ls := v.entries[i].render(w, m.st, m.loc)
		for j := len(ls) - 1; j >= 0; j-- {
			rev = append(rev, ls[j])
		}
	}
	v.atTop = i < 0 && len(rev) <= need
	if len(rev) < need {
		v.scroll = max(0, len(rev)-h)
		if v.scroll == 0 {
			v.unseen = 0
		}
	}
	out := make([]line, h)
	for i := 0; i < h; i++ {
		if k := v.scroll + h - 1 - i; k < len(rev) {
			out[i] = rev[k]
		}
	}
	return out
}

// panelView is the side panel: the member's rooms with their unread
// counts, then who is in the room on screen.
func (m *Model) panelView(h int) []string {
	inner := panelWidth - 2
	border := m.st.rule.Render("│") + " "
	blank := border + strings.Repeat(" ", inner)
	out := make([]string, 0, h)
	// The rooms take at most half the panel.
	roomRows := min(len(m.tabs), max(1, h/2-2))
	out = append(out, border+m.st.panelTitle.Render(fit("Rooms", inner)))
	for i, t := range m.tabs {
		if len(out) == roomRows && i < len(m.tabs)-1 {
			out = append(out, border+m.st.panelTitle.Render(fit(fmt.Sprintf("+%d more (Ctrl+N)", len(m.tabs)-i), inner)))
			break
		}
		out = append(out, border+m.roomRow(t, inner))
	}
	if len(out) < h {
		out = append(out, blank)
	}
	if len(out) < h {
		out = append(out, border+m.st.panelTitle.Render(fit("Online ("+strconv.Itoa(len(m.roster))+")", inner)))
	}
	me := m.member.Nick()
	for j := 0; len(out) < h; j++ {
		switch {
		case j >= len(m.roster):
			out = append(out, blank)
		case len(out) == h-1 && len(m.roster) > j+1:
			out = append(out, border+m.st.panelTitle.Render(fit(fmt.Sprintf("+%d more", len(m.roster)-j), inner)))
		default:
			o := m.roster[j]
			style := m.st.nick(o.Nick)
			label := o.Label()
			// Someone away is dimmed and says so in words too, which
			// read without colour (NO_COLOR); a long nick is cut so
			// that the words always show.
			var note string
			switch {
			case o.Nick == me && o.Away:
				note = " (you, away)"
			case o.Nick == me:
				note = " (you)"
			case o.Away:
				note = " (away)"
			}
			if o.Away {
				style = m.st.event
			} else if o.Nick != me {
				style = style.UnsetBold()
			}
			if note != "" {
				label = ansi.Truncate(label, inner-len(note), "…") + note
			}
			out = append(out, border+style.Render(fit(label, inner)))
		}
	}
	return out[:h]
}

// roomRow is one room in the panel: its name, and its unread count,
// highlighted when something in it is for the reader.
func (m *Model) roomRow(t chat.RoomTab, w int) string {
	v := m.views[t.Name]
	if v == m.cur {
		return m.st.current.Render(fit(t.Label, w))
	}
	badge := ""
	if v != nil && v.unread > 0 {
		badge = " " + strconv.Itoa(min(v.unread, 999)) + " "
		if v.unread > 999 {
			badge = " 999+ "
		}
	}
	name := fit(t.Label, w-ansi.StringWidth(badge))
	style := m.st.panel
	if badge == "" {
		return style.Render(name)
	}
	bs := m.st.badge
	if v.mentions > 0 {
		bs = m.st.badgeHot
	}
	return style.Bold(true).Render(name) + bs.Render(badge)
}

// fit truncates or pads s to exactly w cells.
func fit(s string, w int) string {
	s = ansi.Truncate(s, w, "…")
	return s + strings.Repeat(" ", max(0, w-ansi.StringWidth(s)))
}

// statusKey is what the status line depends on.
type statusKey struct {
	scrolled, unseen, width int
	cleared, atTop, begun   bool
	full, loading           bool
	inputCut                cut
	charsLeft, linesLeft    int // shown near the limits of a message; -1 otherwise
}

// Near the limits of a message the status line counts down what is left.
const (
	charsLeftShown = chat.MaxMessageLen / 10
	linesLeftShown = chat.MaxMessageLines / 10
)

func (m *Model) statusView() string {
	v := m.cur
	key := statusKey{min(v.scroll, 1), v.unseen, m.width, m.cleared, v.atTop && v.scroll > 0, v.begun, v.full, v.lift > 0,
		m.inputCut, -1, -1}
	if left := m.input.maxRunes - m.input.runes; left <= charsLeftShown {
		key.charsLeft = left
	}
	if left := m.input.maxLines - m.input.lines; left < linesLeftShown {
		key.linesLeft = left
	}
	if m.cache.status == "" || m.cache.statusKey != key {
		m.cache.status, m.cache.statusKey = m.buildStatus(key), key
	}
	return m.cache.status
}

func (m *Model) buildStatus(key statusKey) string {
	var hint string
	v := m.cur
	switch {
	case m.cleared:
		hint = " input cleared (Up brings it back) · Ctrl+C again to quit "
	case key.inputCut == cutChars:
		hint = fmt.Sprintf(" message full: %d characters is the most one message holds ", chat.MaxMessageLen)
	case key.inputCut == cutLines:
		hint = fmt.Sprintf(" message full: %d lines is the most one message holds ", chat.MaxMessageLines)
	case v.lift > 0:
		hint = " loading older messages… "
	case v.scroll > 0 && v.unseen > 0:
		hint = fmt.Sprintf(" ↓ %d new message%s · End to jump back ", v.unseen, plural(v.unseen))
	case v.scroll > 0 && v.atTop && v.begun:
		hint = " the beginning of " + m.curTab().Label + " · End to jump back "
	case v.scroll > 0 && v.atTop && v.full:
		hint = " scrollback full; /search finds older messages · End to jump back "
	case v.scroll > 0 && v.atTop:
		hint = " top · PgUp loads older messages · End to jump back "
	case v.scroll > 0:
		hint = " scrolled up · End to jump back "
	case key.charsLeft >= 0:
		hint = fmt.Sprintf(" %d character%s left ", key.charsLeft, plural(key.charsLeft))
	case key.linesLeft >= 0:
		hint = fmt.Sprintf(" %d line%s left ", key.linesLeft, plural(key.linesLeft))
	}
	if hint != "" {
		hint = ansi.Truncate(hint, m.width, "…")
		return m.st.rule.Render("──") + m.st.hint.Render(hint) +
			m.st.rule.Render(strings.Repeat("─", max(0, m.width-2-ansi.StringWidth(hint))))
	}
	help := " /help · Ctrl+N rooms · F2 panel · PgUp scroll · Ctrl+C quit "
	if m.width < 80 {
		help = " /help · PgUp scroll · Ctrl+C quit "
	}
	if m.width < 60 {
		return m.st.rule.Render(strings.Repeat("─", m.width))
	}
	return m.st.rule.Render(strings.Repeat("─", m.width-ansi.StringWidth(help)-2) + help + "──")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// completion is an active Tab completion; repeated Tabs cycle through its
// candidates.
type completion struct {
	start, end int // the cells of the input the candidate shown takes
	cands      []string
	i          int
}

// maxCompleteWord is the longest word, in cells, that Tab completes: longer
// than any nick, command or room name.
const maxCompleteWord = 64

func (m *Model) complete() {
	if c := m.comp; c != nil {
		c.i = (c.i + 1) % len(c.cands)
		m.applyCompletion()
		return
	}
	start, word, ok := m.input.wordBefore(maxCompleteWord)
	if !ok {
		return
	}
	word = strings.ToLower(word)
	var cands []string
	switch {
	case strings.HasPrefix(word, "#"):
		for _, t := range m.tabs {
			if !t.DM && strings.HasPrefix(t.Label, word) {
				cands = append(cands, t.Label+" ")
			}
		}
	case start == 0 && strings.HasPrefix(word, "/"):
		offer := func(c command.Command) {
			for _, name := range append([]string{c.Name}, c.Aliases...) {
				if strings.HasPrefix("/"+name, word) {
					cands = append(cands, "/"+name+" ")
				}
			}
		}
		for _, c := range command.Commands() {
			offer(c)
		}
		for _, c := range viewCommands() {
			if _, both := command.Lookup(c.Name); !both { // /help is the room's too
				offer(c.Command)
			}
		}
	default:
		at := ""
		if strings.HasPrefix(word, "@") {
			at, word = "@", word[1:]
		}
		sep := " "
		if start == 0 && at == "" {
			sep = ": "
		}
		me := m.nick
		for _, o := range m.roster {
			if o.Nick != me && (word != "" || at != "") && strings.HasPrefix(strings.ToLower(o.Nick), word) {
				cands = append(cands, at+o.Nick+sep)
			}
		}
	}
	if len(cands) == 0 {
		return
	}
	m.comp = &completion{start: start, end: m.input.cur, cands: cands}
	m.applyCompletion()
}

// applyCompletion puts the current candidate in place of the last; one that
// would not fit in a message ends the completion, and the status line says
// the message is full.
func (m *Model) applyCompletion() {
	c := m.comp
	end, ok := m.input.replace(c.start, c.end, c.cands[c.i])
	if !ok {
		m.comp, m.inputCut = nil, cutChars
		return
	}
	c.end = end
	m.layoutInput()
}
