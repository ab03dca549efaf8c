package chat

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/sanitize"
)

// Reading a room's past, acting as a member: older messages (History,
// LoadOlder, /history) and finding messages (Search, /search).

// Older history, on request.
const (
	defaultHistory = 50
	maxHistory     = 500
)

func cmdHistory(m *Member, args string) (Effect, error) {
	n := defaultHistory
	if args != "" {
		var err error
		if n, err = strconv.Atoi(args); err != nil || n <= 0 {
			return Stay, usage("usage: /history [N], e.g. /history 200")
		}
	}
	got, err := m.LoadOlder("", 0, n)
	if err == nil && got == 0 {
		m.notice(message.Notice, "Nothing earlier: that is the beginning of what this room keeps.")
	}
	return Stay, err
}

// LoadOlder gives the member up to n messages of room ("": the one it is
// looking at) from before Seq before (0: the oldest it has been given),
// marked Older so its view puts them above what it shows. It returns how
// many it found; 0 means there is nothing earlier.
func (m *Member) LoadOlder(room string, before uint64, n int) (int, error) {
	n = min(max(n, 1), maxHistory)
	h := m.hub
	now := h.now()
	h.mu.RLock()
	if room == "" {
		room = m.current
	}
	s, ok := m.subs[room]
	if ok && before == 0 {
		before = s.oldest
	}
	h.mu.RUnlock()
	if !ok {
		return 0, fmt.Errorf("you are not in %s", room)
	}
	if before <= 1 {
		return 0, nil
	}
	if !m.olderLimit.AllowN(now, 1) {
		return 0, errOlderTooFast
	}
	// Read without the hub's lock: nobody's posting waits for it.
	older, err := h.opts.History.Before(ctxBG, room, before, n)
	if err != nil {
		return 0, fmt.Errorf("could not load earlier messages: %w", err)
	}
	if len(older) == 0 {
		return 0, nil
	}
	h.mu.Lock()
	if cur, still := m.subs[room]; still && cur == s {
		s.oldest = min(s.oldest, older[0].Seq)
	}
	got := len(older)
	hd := m.hidingLocked()
	h.unlock()
	older = hd.filter(older)
	for i := range older {
		older[i].Older, older[i].Backlog, older[i].Room = true, true, room
	}
	if len(older) == 0 {
		// Say so, in their place, so the view knows where the page ends.
		why := "from people you ignore"
		if hd.quiet {
			why = "joins and leaves (/quiet), or from people you ignore"
		}
		older = []message.Message{{Room: room, Kind: message.Notice, Time: now, Private: true, Older: true, Backlog: true,
			Text: fmt.Sprintf("%d earlier messages are %s.", got, why)}}
		older[0].Seq = max(1, before-uint64(got))
	}
	m.queue(older...)
	return got, nil
}

// errOlderTooFast refuses loading older messages faster than a page at a
// time.
var errOlderTooFast = errors.New("slow down: older messages load a page at a time")

// hidingLocked is what the member is not shown now (see hiding), copied.
// The caller holds h.mu.
func (m *Member) hidingLocked() hiding {
	hd := hiding{quiet: m.quiet.Load(), me: m.author, ignored: make(map[string]struct{}, len(m.ignored))}
	for author := range m.ignored {
		hd.ignored[author] = struct{}{}
	}
	return hd
}

// History returns up to n messages of room ("": the one the member is
// looking at) from before Seq before (0: the newest), oldest first, as the
// member is shown them: without lines of people it ignores, nor, with
// /quiet, others' joins and leaves. It is paced as loading older messages
// in the view is. It is what a front end without a scrolling view asks
// for; the view itself uses LoadOlder.
func (m *Member) History(room string, before uint64, n int) ([]message.Message, error) {
	n = min(max(n, 1), maxHistory)
	h := m.hub
	now := h.now()
	h.mu.RLock()
	r, err := m.inRoomLocked(room)
	var hd hiding
	if err == nil {
		hd = m.hidingLocked()
	}
	h.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	if before == 0 {
		before = r.lastSeq() + 1
	}
	if !m.olderLimit.AllowN(now, 1) {
		return nil, errOlderTooFast
	}
	// Read without the hub's lock: nobody's posting waits for it.
	msgs, err := h.opts.History.Before(ctxBG, r.name, before, n)
	if err != nil {
		return nil, fmt.Errorf("could not load earlier messages: %w", err)
	}
	msgs = hd.filter(msgs)
	for i := range msgs {
		msgs[i].Room = r.name
	}
	return msgs, nil
}

// SearchResult is one page of Search.
type SearchResult struct {
	// Found is the page's matches, newest first, without lines of people
	// the member ignores.
	Found []message.Message
	// Total is how many messages of the room match in all.
	Total int
	// Read is how many matches the page held, ignored ones included; 0
	// means there are no more.
	Read int
	// Next is the Seq to give Search as before for the next page.
	Next uint64
}

// Search finds up to n messages of room ("": the one the member is looking
// at) whose text matches query, newest first, from those before Seq
// before (0: from the newest).
func (m *Member) Search(room, query string, before uint64, n int) (SearchResult, error) {
	h := m.hub
	h.mu.RLock()
	r, err := m.inRoomLocked(room)
	h.mu.RUnlock()
	if err != nil {
		return SearchResult{}, err
	}
	found, total, err := h.opts.History.Search(ctxBG, r.name, query, before, n)
	if err != nil {
		return SearchResult{}, fmt.Errorf("search failed: %w", err)
	}
	res := SearchResult{Total: total, Read: len(found), Next: before}
	if len(found) > 0 {
		res.Next = found[len(found)-1].Seq
	}
	h.mu.RLock()
	res.Found = slices.DeleteFunc(found, func(msg message.Message) bool { _, ig := m.ignored[msg.Author]; return ig })
	h.mu.RUnlock()
	return res, nil
}

// maxSearchResults is how many results one page of /search shows.
const maxSearchResults = 20

// searchPage is where a member's last /search got to, for /search alone to
// show the next page.
type searchPage struct {
	room, query string
	before      uint64 // the oldest match shown: the next page is older
	shown       int    // matches shown (or left out as ignored) so far
}

func cmdSearch(m *Member, args string) (Effect, error) {
	r := m.Room()
	query := strings.TrimSpace(args)
	m.searchMu.Lock()
	defer m.searchMu.Unlock()
	page := searchPage{room: r.name, query: query}
	if query == "" {
		if m.search.query == "" || m.search.room != r.name {
			return Stay, usage("usage: /search TEXT; then /search alone shows the next page")
		}
		page = m.search
	}
	res, err := m.Search(r.name, page.query, page.before, maxSearchResults)
	if err != nil {
		return Stay, err
	}
	found, total := res.Found, res.Total
	if total == 0 {
		m.search = searchPage{}
		m.notice(message.Notice, fmt.Sprintf("Nothing in this room matches %q.", page.query))
		return Stay, nil
	}
	if res.Read == 0 {
		m.notice(message.Notice, fmt.Sprintf("No more messages match %q: all %d were shown (/search TEXT starts again).", page.query, total))
		return Stay, nil
	}
	from := page.shown + 1
	page.shown += res.Read
	page.before = res.Next
	m.search = page

	var b strings.Builder
	verb := "match"
	if total == 1 {
		verb = "matches"
	}
	// The header says how many match in all, which of them this page
	// shows, and how to see more.
	fmt.Fprintf(&b, "%d message%s %s %q", total, plural(total), verb, page.query)
	switch {
	case total <= maxSearchResults && from == 1:
		b.WriteString(", newest first:")
	case page.shown >= total:
		fmt.Fprintf(&b, "; %d-%d, the oldest:", from, page.shown)
	default:
		newest := ""
		if from == 1 {
			newest = "newest "
		}
		fmt.Fprintf(&b, "; %s%d-%d (/search alone shows %d-%d):", newest, from, page.shown, page.shown+1, min(total, page.shown+maxSearchResults))
	}
	for _, msg := range found {
		who := "<" + msg.Nick + ">"
		if msg.Kind == message.Action {
			who = "* " + msg.Nick
		}
		text := strings.ReplaceAll(msg.Text, "\n", " ")
		fmt.Fprintf(&b, "\n  %s %s %s", msg.Time.In(m.loc).Format("2006-01-02 15:04"), who, sanitize.TruncateRunes(text, 200))
	}
	if len(found) == 0 {
		b.WriteString("\n  (all from people you ignore)")
	}
	m.notice(message.Notice, b.String())
	return Stay, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
