package command

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/sanitize"
)

// Reading back: /history and /search.

// defaultHistory is how many earlier messages /history alone loads.
const defaultHistory = 50

func cmdHistory(m *chat.Member, args string) (Effect, error) {
	n := defaultHistory
	if args != "" {
		var err error
		if n, err = strconv.Atoi(args); err != nil || n <= 0 {
			return Stay, usage("usage: /history [N], e.g. /history 200")
		}
	}
	got, err := m.LoadOlder("", 0, n)
	if err == nil && got == 0 {
		m.Notify("Nothing earlier: that is the beginning of what this room keeps.")
	}
	return Stay, err
}

// maxSearchResults is how many results one page of /search shows.
const maxSearchResults = 20

func cmdSearch(m *chat.Member, args string) (Effect, error) {
	page, err := m.SearchNext(strings.TrimSpace(args), maxSearchResults)
	if errors.Is(err, chat.ErrNoSearch) {
		return Stay, usage("usage: /search TEXT; then /search alone shows the next page")
	}
	if err != nil {
		return Stay, err
	}
	found, total, from := page.Found, page.Total, page.From
	if total == 0 {
		m.Notify(fmt.Sprintf("Nothing in this room matches %q.", page.Query))
		return Stay, nil
	}
	if page.Read == 0 {
		m.Notify(fmt.Sprintf("No more messages match %q: all %d were shown (/search TEXT starts again).", page.Query, total))
		return Stay, nil
	}

	var b strings.Builder
	verb := "match"
	if total == 1 {
		verb = "matches"
	}
	// The header says how many match in all, which of them this page
	// shows, and how to see more.
	fmt.Fprintf(&b, "%d message%s %s %q", total, plural(total), verb, page.Query)
	switch {
	case total <= maxSearchResults && from == 1:
		b.WriteString(", newest first:")
	case page.Shown >= total:
		fmt.Fprintf(&b, "; %d-%d, the oldest:", from, page.Shown)
	default:
		newest := ""
		if from == 1 {
			newest = "newest "
		}
		fmt.Fprintf(&b, "; %s%d-%d (/search alone shows %d-%d):", newest, from, page.Shown, page.Shown+1, min(total, page.Shown+maxSearchResults))
	}
	for _, msg := range found {
		who := "<" + msg.Nick + ">"
		if msg.Kind == message.Action {
			who = "* " + msg.Nick
		}
		text := strings.ReplaceAll(msg.Text, "\n", " ")
		fmt.Fprintf(&b, "\n  %s %s %s", msg.Time.In(m.Location()).Format("2006-01-02 15:04"), who, sanitize.TruncateRunes(text, 200))
	}
	if len(found) == 0 {
		b.WriteString("\n  (all from people you ignore)")
	}
	m.Notify(b.String())
	return Stay, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
