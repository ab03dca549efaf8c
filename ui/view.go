package ui

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

func (m *Model) resize(w, h int) {
	m.width, m.height = max(0, w), max(0, h)
	// The input grows with what is typed, up to a third of the screen.
	m.input.MaxHeight = max(1, min(6, (m.height-4)/3))
	m.layoutInput()
	m.chromeChanged()
}

// layoutInput refits the input to the width and its content's height. Every
// change to the input goes through here, so it also drops the input's
// cached view.
func (m *Model) layoutInput() {
	m.input.SetWidth(max(1, m.width))
	m.cache.input = ""
}

// chromeChanged drops the cached header and member list, after a resize or
// a change of who is online.
func (m *Model) chromeChanged() {
	m.cache.header = ""
	m.cache.panel = nil
}

func (m *Model) showPanel() bool { return m.width >= panelMinWidth }

// msgWidth is the width of the message area.
func (m *Model) msgWidth() int {
	if m.showPanel() {
		return m.width - panelWidth
	}
	return m.width
}

// bodyHeight is the height of the message area: the screen less the header,
// the status rule and the input.
func (m *Model) bodyHeight() int {
	return max(1, m.height-2-m.input.Height())
}

// View implements tea.Model.
func (m *Model) View() tea.View {
	var v tea.View
	v.AltScreen = true
	if m.width < MinWidth || m.height < MinHeight {
		v.SetContent(tooSmall(m.width, m.height))
		return v
	}
	if m.mouse {
		v.MouseMode = tea.MouseModeCellMotion
	}
	bodyH := m.bodyHeight()
	if m.cache.input == "" {
		m.cache.input = m.input.View()
		m.cache.inputCursor = m.input.Cursor()
	}
	if m.cache.header == "" {
		m.cache.header = m.headerView()
	}
	rows := make([]string, 0, m.height)
	rows = append(rows, m.cache.header)
	rows = append(rows, m.bodyView(bodyH)...)
	rows = append(rows, m.statusView())
	rows = append(rows, m.cache.input)
	v.SetContent(strings.Join(rows, "\n"))
	if c := m.cache.inputCursor; c != nil {
		cur := *c
		cur.Y += 2 + bodyH
		v.Cursor = &cur
	}
	return v
}

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

func (m *Model) headerView() string {
	left := " chatroom · #" + m.member.Room().Name()
	right := strconv.Itoa(len(m.roster)) + " online · " + m.member.Nick() + " "
	gap := m.width - ansi.StringWidth(left) - ansi.StringWidth(right)
	if gap < 1 {
		right, gap = "", m.width-ansi.StringWidth(left)
	}
	if gap < 0 {
		return m.st.header.Render(ansi.Truncate(left, m.width, "…"))
	}
	return m.st.header.Render(left) + m.st.headerDim.Render(strings.Repeat(" ", gap)+right)
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
		if pad := w - lines[i].width; pad > 0 {
			row += strings.Repeat(" ", pad)
		} else if pad < 0 {
			row = ansi.Truncate(row, w, "")
		}
		if panel != nil {
			row += panel[i]
		}
		rows[i] = row
	}
	return rows
}

// visibleLines returns the h lines of the scrollback that the scroll
// position shows, oldest first, padded at the top when there are fewer. It
// lays out only the entries it needs; when the scrollback ends before the
// scroll position, it settles the scroll at the top.
func (m *Model) visibleLines(w, h int) []line {
	need := m.scroll + h
	var rev []line // newest line first
	for i := len(m.entries) - 1; i >= 0 && len(rev) < need; i-- {
		ls := m.entries[i].render(w, &m.st, m.loc)
		for j := len(ls) - 1; j >= 0; j-- {
			rev = append(rev, ls[j])
		}
	}
	if len(rev) < need {
		m.scroll = max(0, len(rev)-h)
		if m.scroll == 0 {
			m.unseen = 0
		}
	}
	out := make([]line, h)
	for i := 0; i < h; i++ {
		if k := m.scroll + h - 1 - i; k < len(rev) {
			out[i] = rev[k]
		}
	}
	return out
}

func (m *Model) panelView(h int) []string {
	inner := panelWidth - 2
	border := m.st.rule.Render("│") + " "
	out := make([]string, h)
	out[0] = border + m.st.panelTitle.Render(fit("Online ("+strconv.Itoa(len(m.roster))+")", inner))
	me := m.member.Nick()
	for i := 1; i < h; i++ {
		j := i - 1
		switch {
		case j >= len(m.roster):
			out[i] = border + strings.Repeat(" ", inner)
		case i == h-1 && len(m.roster) > h-1:
			out[i] = border + m.st.panelTitle.Render(fit(fmt.Sprintf("+%d more", len(m.roster)-j), inner))
		default:
			o := m.roster[j]
			style := m.st.nick(o.Nick)
			label := o.Label()
			if o.Nick == me {
				// A long nick is cut so that "(you)" always shows.
				out[i] = border + style.Render(fit(ansi.Truncate(label, inner-6, "…")+" (you)", inner))
				continue
			}
			out[i] = border + style.UnsetBold().Render(fit(label, inner))
		}
	}
	return out
}

// fit truncates or pads s to exactly w cells.
func fit(s string, w int) string {
	s = ansi.Truncate(s, w, "…")
	return s + strings.Repeat(" ", max(0, w-ansi.StringWidth(s)))
}

func (m *Model) statusView() string {
	key := [4]int{min(m.scroll, 1), m.unseen, m.width, btoi(m.cleared)}
	if m.cache.status == "" || m.cache.statusKey != key {
		m.cache.status, m.cache.statusKey = m.buildStatus(), key
	}
	return m.cache.status
}

func (m *Model) buildStatus() string {
	var hint string
	switch {
	case m.cleared:
		hint = " input cleared (Up brings it back) · Ctrl+C again to quit "
	case m.scroll > 0 && m.unseen > 0:
		hint = fmt.Sprintf(" ↓ %d new message%s · End to jump back ", m.unseen, plural(m.unseen))
	case m.scroll > 0:
		hint = " scrolled up · End to jump back "
	}
	if hint != "" {
		hint = ansi.Truncate(hint, m.width, "…")
		return m.st.rule.Render("──") + m.st.hint.Render(hint) +
			m.st.rule.Render(strings.Repeat("─", max(0, m.width-2-ansi.StringWidth(hint))))
	}
	help := " /help · PgUp scroll · Ctrl+C quit "
	if m.width < 60 {
		return m.st.rule.Render(strings.Repeat("─", m.width))
	}
	return m.st.rule.Render(strings.Repeat("─", m.width-ansi.StringWidth(help)-2) + help + "──")
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
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
	before, after string // the input around the word being completed
	cands         []string
	i             int
}

func (m *Model) complete() {
	if m.comp != nil {
		m.comp.i = (m.comp.i + 1) % len(m.comp.cands)
		m.applyCompletion()
		return
	}
	val := m.input.Value()
	if strings.Contains(val, "\n") {
		return
	}
	runes := []rune(val)
	col := min(max(0, m.input.Column()), len(runes))
	before, after := string(runes[:col]), string(runes[col:])
	start := strings.LastIndexByte(before, ' ') + 1
	word := strings.ToLower(before[start:])
	var cands []string
	if start == 0 && strings.HasPrefix(word, "/") {
		for _, c := range m.hub.Commands() {
			for _, name := range append([]string{c.Name}, c.Aliases...) {
				if strings.HasPrefix("/"+name, word) {
					cands = append(cands, "/"+name+" ")
				}
			}
		}
	} else {
		at := ""
		if strings.HasPrefix(word, "@") {
			at, word = "@", word[1:]
		}
		sep := " "
		if start == 0 && at == "" {
			sep = ": "
		}
		me := m.member.Nick()
		for _, o := range m.roster {
			if o.Nick != me && (word != "" || at != "") && strings.HasPrefix(strings.ToLower(o.Nick), word) {
				cands = append(cands, at+o.Nick+sep)
			}
		}
	}
	if len(cands) == 0 {
		return
	}
	m.comp = &completion{before: before[:start], after: after, cands: cands}
	m.applyCompletion()
}

func (m *Model) applyCompletion() {
	c := m.comp
	text := c.before + c.cands[c.i]
	m.input.SetValue(text + c.after)
	// SetValue leaves the cursor at the end; put it after the completion.
	m.input.CursorStart()
	m.input.SetCursorColumn(utf8.RuneCountInString(text))
	m.refreshInput()
}
