package chat

import (
	"errors"
	"fmt"
	"slices"

	"github.com/chatroom/chatroom/chat/message"
)

// Reading a room's past, acting as a member: older messages (History,
// LoadOlder, /history) and finding messages (Search, /search).

// Older history, on request.
const maxHistory = 500

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

// searchPage is where a member's last /search got to, for /search alone to
// show the next page.
type searchPage struct {
	room, query string
	before      uint64 // the oldest match shown: the next page is older
	shown       int    // matches shown (or left out as ignored) so far
}

// ErrNoSearch: the member asked for the next page of a search it has not
// made in this room.
var ErrNoSearch = errors.New("no search to go on with")

// SearchPage is one page of a member's search in the room it is looking
// at: the matches, newest first, less those of people it ignores.
type SearchPage struct {
	Query string
	Found []message.Message
	// Total is how many messages match in all; From is the number of the
	// first on this page (1: the newest), Shown how many have been shown
	// up to this page's end. Nothing left to show: Read is 0.
	Total, From, Shown, Read int
}

// SearchNext searches the room the member is looking at for query, a page
// of max results at a time: with query "", it shows the page after the one
// it last showed (ErrNoSearch if there is none).
func (m *Member) SearchNext(query string, max int) (SearchPage, error) {
	r := m.Room()
	m.searchMu.Lock()
	defer m.searchMu.Unlock()
	page := searchPage{room: r.name, query: query}
	if query == "" {
		if m.search.query == "" || m.search.room != r.name {
			return SearchPage{}, ErrNoSearch
		}
		page = m.search
	}
	res, err := m.Search(r.name, page.query, page.before, max)
	if err != nil {
		return SearchPage{}, err
	}
	out := SearchPage{Query: page.query, Found: res.Found, Total: res.Total, Read: res.Read}
	if res.Total == 0 {
		m.search = searchPage{}
		return out, nil
	}
	if res.Read == 0 {
		return out, nil
	}
	out.From = page.shown + 1
	page.shown += res.Read
	page.before = res.Next
	m.search = page
	out.Shown = page.shown
	return out, nil
}
