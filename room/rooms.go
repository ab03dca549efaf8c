package room

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rivo/uniseg"
	"golang.org/x/text/unicode/norm"

	"github.com/chatroom/chatroom/room/limit"
	"github.com/chatroom/chatroom/room/sanitize"
)

// roomNamePattern is what a public room may be called: 1-32 letters,
// digits, '-' and '_'.
var roomNamePattern = regexp.MustCompile(`^[\p{L}\p{N}_-]{1,32}$`)

// roomName reads "#go" or "go" as a room name, composed (NFC) and
// lower-cased. A name holding a character that shows nothing is refused
// with the character named, so that no room can pass for another: "#lobby"
// with a Hangul filler would show as #lobby.
func roomName(arg string) (string, error) {
	typed := norm.NFC.String(strings.TrimPrefix(strings.TrimSpace(arg), "#"))
	if problem := invisibleProblem("#"+typed, "room names"); problem != "" {
		return "", errors.New(problem)
	}
	name := strings.ToLower(typed)
	if !roomNamePattern.MatchString(name) {
		return "", fmt.Errorf("%s is not a room name: use 1-32 letters, digits, '-' or '_', like #go", sanitize.Quote(arg))
	}
	return name, nil
}

// lookAlikeRoomLocked returns a room that exists whose name reads like
// name, as nicks are compared (case, width and look-alike letters: Cyrillic
// "lоbby" reads as "lobby"), or "". The caller holds h.mu.
func (h *Hub) lookAlikeRoomLocked(name string) string {
	for _, k := range nickKeys(name) {
		if other, ok := h.looks[k]; ok && other != name {
			return other
		}
	}
	return ""
}

// indexRoomLocked and unindexRoomLocked keep h.looks, the name of every
// public room under each form it is compared in, so that telling a new
// room from the others reads no store and takes no time in proportion to
// the rooms, under a lock that posting needs. The caller holds h.mu for
// writing.
func (h *Hub) indexRoomLocked(name string) {
	for _, k := range nickKeys(name) {
		h.looks[k] = name
	}
}

func (h *Hub) unindexRoomLocked(name string) {
	for _, k := range nickKeys(name) {
		if h.looks[k] == name {
			delete(h.looks, k)
		}
	}
}

// otherAuthor is the party of a direct conversation who is not me.
func (r *Room) otherAuthor(me string) string {
	if r.parties[0] == me {
		return r.parties[1]
	}
	return r.parties[0]
}

// mayEnterLocked reports whether m may be in r: an invite-only room lets in
// operators and invited keys.
func (h *Hub) mayEnterLocked(m *Member, r *Room) (bool, error) {
	if r.dm {
		return r.parties[0] == m.author || r.parties[1] == m.author, nil
	}
	if !r.inviteOnly || m.isOpLocked() {
		return true, nil
	}
	if m.key == "" {
		return false, nil
	}
	return h.opts.Store.Invited(ctxBG, r.name, m.key)
}

func cmdJoin(m *Member, args string) (Effect, error) {
	if args == "" {
		return Stay, errors.New("usage: /join #ROOM, e.g. /join #go")
	}
	name, err := roomName(args)
	if err != nil {
		return Stay, err
	}
	h := m.hub
	now := h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, in := m.subs[name]; in {
		m.current = name
		return Stay, nil
	}
	if n := m.ownRoomsLocked(); n >= maxRooms {
		return Stay, fmt.Errorf("you are in %d rooms and conversations, the most one session may be in; /part one first", n)
	}
	if err := m.allow(m.msgLimit, "join a room", now); err != nil {
		return Stay, err
	}
	_, known, err := h.opts.Store.RoomInfo(ctxBG, name)
	if err != nil {
		return Stay, err
	}
	if !known {
		// Refused before it costs the allowance to make rooms.
		if like := h.lookAlikeRoomLocked(name); like != "" {
			return Stay, fmt.Errorf("#%s looks too much like #%s, which exists: /join #%s", name, like, like)
		}
		if err := m.allowNewRoom(now); err != nil {
			return Stay, err
		}
		// A room an operator makes is theirs: it stays when empty.
		if err := h.opts.Store.PutRoomInfo(ctxBG, RoomInfo{Name: name, Kept: m.isOpLocked()}); err != nil {
			return Stay, err
		}
		h.indexRoomLocked(name)
	}
	r, err := h.roomLocked(name)
	if err != nil {
		return Stay, err
	}
	if ok, err := h.mayEnterLocked(m, r); err != nil {
		return Stay, err
	} else if !ok {
		return Stay, fmt.Errorf("#%s is invite-only: ask an operator for an invitation", name)
	}
	h.enterLocked(m, r, Membership{})
	m.current = name
	if !known {
		h.audit("room created", "room", name, "by", m.nick, "by_key", m.key)
		m.noticeLocked(r, Notice, fmt.Sprintf("You made #%s. /topic TEXT says what it is for; /part leaves it.", name))
	} else if r.topic != "" {
		m.noticeLocked(r, Notice, "Topic: "+r.topic)
	}
	return Stay, nil
}

// allowNewRoom limits how often rooms are made: per key and per address,
// across sessions, so that neither a new session nor a new key starts
// afresh. Listed operators are not limited.
func (m *Member) allowNewRoom(now time.Time) error {
	h := m.hub
	if h.listedOp(m.key) {
		return nil
	}
	wait, ok := limit.AllowAll(now, limit.Take{Limits: h.roomsByKey, Key: m.key},
		limit.Take{Limits: h.roomsByAddr, Key: AddrGroup(m.addr)})
	if ok {
		return nil
	}
	return m.refused("make a room", wait, now)
}

func cmdPart(m *Member, _ string) (Effect, error) {
	h := m.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(m.order) <= 1 {
		return Stay, errors.New("this is the only room you are in; /quit leaves the chat")
	}
	r := m.currentRoomLocked()
	if r == nil {
		return Stay, errors.New("you are in no room")
	}
	h.partLocked(m, r, true)
	return Stay, nil
}

// maxListedRooms is how many rooms /rooms lists, the busiest first.
const maxListedRooms = 50

// Listing is one room as /rooms lists it.
type Listing struct {
	Name       string
	Online     int // people in it now
	Topic      string
	InviteOnly bool
}

// Listings returns the public rooms the member may see, the busiest first:
// an invite-only room is listed only to those it would let in.
func (m *Member) Listings() ([]Listing, error) {
	h := m.hub
	infos, err := h.opts.Store.RoomInfos(ctxBG)
	if err != nil {
		return nil, err
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	seen := map[string]bool{}
	var rows []Listing
	op := m.isOpLocked()
	add := func(name, topic string, inviteOnly bool) {
		if seen[name] {
			return
		}
		seen[name] = true
		online := 0
		if r, ok := h.rooms[name]; ok {
			online = r.peopleLocked()
			topic, inviteOnly = r.topic, r.inviteOnly
		}
		if _, in := m.subs[name]; inviteOnly && !op && !in {
			if invited, err := h.opts.Store.Invited(ctxBG, name, m.key); m.key == "" || err != nil || !invited {
				return
			}
		}
		rows = append(rows, Listing{Name: name, Online: online, Topic: topic, InviteOnly: inviteOnly})
	}
	add(Lobby, "", false)
	for _, info := range infos {
		add(info.Name, info.Topic, info.InviteOnly)
	}
	for name, r := range h.rooms {
		if !r.dm {
			add(name, r.topic, r.inviteOnly)
		}
	}
	slices.SortFunc(rows, func(a, b Listing) int {
		if a.Online != b.Online {
			return b.Online - a.Online
		}
		return strings.Compare(a.Name, b.Name)
	})
	return rows, nil
}

func cmdRooms(m *Member, _ string) (Effect, error) {
	listings, err := m.Listings()
	if err != nil {
		return Stay, err
	}
	type row struct {
		name   string
		online int
		rest   string // after the name: invite-only, topic
	}
	rows := make([]row, 0, len(listings))
	for _, l := range listings {
		var rest string
		if l.InviteOnly {
			rest += ", invite-only"
		}
		if l.Topic != "" {
			rest += ": " + l.Topic
		}
		rows = append(rows, row{l.Name, l.Online, rest})
	}
	// Columns line up: the names padded to the longest listed, the
	// counts to the widest.
	shown := rows[:min(len(rows), maxListedRooms)]
	nameW, countW := 0, 0
	for _, r := range shown {
		nameW = max(nameW, uniseg.StringWidth(r.name))
		countW = max(countW, len(strconv.Itoa(r.online)))
	}
	lines := make([]string, 0, len(shown)+1)
	for _, r := range shown {
		pad := strings.Repeat(" ", nameW-uniseg.StringWidth(r.name))
		lines = append(lines, fmt.Sprintf("  #%s%s  %*d online%s", r.name, pad, countW, r.online, r.rest))
	}
	if len(rows) > len(shown) {
		lines = append(lines, fmt.Sprintf("  … and %d quieter ones", len(rows)-len(shown)))
	}
	m.notice(Notice, fmt.Sprintf("Rooms (%d; /join #NAME enters one):\n%s", len(rows), strings.Join(lines, "\n")))
	return Stay, nil
}

func cmdTopic(m *Member, args string) (Effect, error) {
	h := m.hub
	now := h.now()
	h.mu.Lock()
	defer h.mu.Unlock()
	r := m.currentRoomLocked()
	if r == nil || r.dm {
		return Stay, errors.New("direct conversations have no topic")
	}
	if args == "" {
		if r.topic == "" {
			m.noticeLocked(r, Notice, fmt.Sprintf("#%s has no topic; /topic TEXT sets one.", r.name))
		} else {
			m.noticeLocked(r, Notice, "Topic: "+r.topic)
		}
		return Stay, nil
	}
	if why := m.mutedLocked(now); why != "" {
		return Stay, fmt.Errorf("topic not changed: %s", why)
	}
	if err := m.allow(m.msgLimit, "change the topic", now); err != nil {
		return Stay, err
	}
	topic := cleanReason(args)
	if args == "-" {
		topic = ""
	}
	// A topic an operator sets makes the room theirs: it stays when
	// empty. Anyone else's topic keeps nothing, or a topic would be a way
	// round the limit on making rooms.
	kept := r.kept || m.isOpLocked()
	if err := h.opts.Store.PutRoomInfo(ctxBG, RoomInfo{Name: r.name, Topic: topic, InviteOnly: r.inviteOnly, Kept: kept}); err != nil {
		return Stay, err
	}
	r.topic, r.kept = topic, kept
	m.roomsVersion.Add(1)
	for o := range r.members {
		o.roomsVersion.Add(1)
	}
	if topic == "" {
		r.announceLocked(m.nick + " cleared the topic")
	} else {
		r.announceLocked(m.nick + " set the topic: " + topic)
	}
	return Stay, nil
}

// directToLocked opens m's side of the direct conversation with the person
// a nick names: online, or away but known by key (posting brings the other
// side in; see reachOtherParty). The caller holds h.mu for writing.
func (h *Hub) directToLocked(m *Member, nick string) (r *Room, opened bool, err error) {
	var author, label string
	if who := h.byNickLocked(nick); who != nil {
		author, label = who.author, who.nick
	} else {
		owner, err := h.nickOwner(strings.TrimLeft(nick, "@~"))
		if err != nil {
			return nil, false, err
		}
		if owner == "" {
			return nil, false, fmt.Errorf("nobody called %q is online, and no key owns that nick, so a message could not wait for them", nick)
		}
		if o := h.byAuthorLocked(owner); o != nil {
			// The nick's owner is here under another nick: the message
			// goes to them now, whoever writes.
			author, label = o.author, o.nick
		} else if m.key == "" {
			// They could not answer someone who may never come back, and
			// keyless sessions are free to make: no waiting messages.
			return nil, false, fmt.Errorf("%s is away; to leave a message that waits for them, connect with an ssh key", sanitize.Nick(nick))
		} else {
			author, label = owner, sanitize.Nick(nick)
		}
	}
	if author == m.author {
		return nil, false, errors.New("that is you")
	}
	_, in := m.subs[dmName(m.author, author)]
	if n := m.ownRoomsLocked(); !in && n >= maxRooms {
		return nil, false, fmt.Errorf("you are in %d rooms and conversations, the most one session may be in; /part one first", n)
	}
	if r, err = h.roomLocked(dmName(m.author, author)); err != nil {
		return nil, false, err
	}
	h.enterLocked(m, r, Membership{Label: "@" + label})
	return r, !in, nil
}

func cmdMsg(m *Member, args string) (Effect, error) {
	nick, text, _ := strings.Cut(args, " ")
	if nick == "" || strings.TrimSpace(text) == "" {
		return Stay, errors.New("usage: /msg NICK TEXT")
	}
	h := m.hub
	now := h.now()
	h.mu.Lock()
	was := m.current
	r, opened, err := func() (*Room, bool, error) {
		// Refusals first: a line that cannot be sent opens nothing.
		if why := m.mutedLocked(now); why != "" {
			return nil, false, fmt.Errorf("message not sent: %s", why)
		}
		if m.msgLimit.TokensAt(now) < 1 {
			return nil, false, m.allow(m.msgLimit, "send", now)
		}
		return h.directToLocked(m, nick)
	}()
	if err == nil {
		m.current = r.name
	}
	h.mu.Unlock()
	if errors.Is(err, errFlooding) {
		h.kickForFlooding(m)
	}
	if err != nil {
		return Stay, err
	}
	err = m.post(r.name, Chat, text)
	if err == nil {
		m.tellIfAway(r)
	}
	var notReached *errNotReached
	if errors.As(err, &notReached) && opened {
		// The line could not reach them: the conversation opened for it
		// closes again, and the member stays where it was.
		h.mu.Lock()
		h.partLocked(m, r, false)
		if _, ok := m.subs[was]; ok {
			m.current = was
		}
		h.mu.Unlock()
	}
	return Stay, err
}

func cmdReply(m *Member, args string) (Effect, error) {
	if strings.TrimSpace(args) == "" {
		return Stay, errors.New("usage: /reply TEXT")
	}
	last := m.lastDM.Load()
	if last == nil {
		return Stay, errors.New("nobody has sent you a direct message yet; /msg NICK TEXT starts one")
	}
	room := *last
	h := m.hub
	h.mu.Lock()
	_, in := m.subs[room]
	if !in {
		// Closed since: open it again.
		r, err := h.roomLocked(room)
		if err != nil {
			h.mu.Unlock()
			return Stay, err
		}
		h.enterLocked(m, r, Membership{})
	}
	m.current = room
	h.mu.Unlock()
	if err := m.post(room, Chat, args); err != nil {
		return Stay, err
	}
	h.mu.RLock()
	r := h.rooms[room]
	h.mu.RUnlock()
	if r != nil {
		m.tellIfAway(r)
	}
	return Stay, nil
}

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
			return Stay, errors.New("usage: /history [N], e.g. /history 200")
		}
	}
	got, err := m.LoadOlder("", 0, n)
	if err == nil && got == 0 {
		m.notice(Notice, "Nothing earlier: that is the beginning of what this room keeps.")
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
		return 0, errors.New("slow down: older messages load a page at a time")
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
	hd := hiding{quiet: m.quiet.Load(), me: m.author, ignored: make(map[string]struct{}, len(m.ignored))}
	for author := range m.ignored {
		hd.ignored[author] = struct{}{}
	}
	h.mu.Unlock()
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
		older = []Message{{Room: room, Kind: Notice, Time: now, Private: true, Older: true, Backlog: true,
			Text: fmt.Sprintf("%d earlier messages are %s.", got, why)}}
		older[0].Seq = max(1, before-uint64(got))
	}
	m.queue(older...)
	return got, nil
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
			return Stay, errors.New("usage: /search TEXT; then /search alone shows the next page")
		}
		page = m.search
	}
	found, total, err := m.hub.opts.History.Search(ctxBG, r.name, page.query, page.before, maxSearchResults)
	if err != nil {
		return Stay, fmt.Errorf("search failed: %w", err)
	}
	if total == 0 {
		m.search = searchPage{}
		m.notice(Notice, fmt.Sprintf("Nothing in this room matches %q.", page.query))
		return Stay, nil
	}
	if len(found) == 0 {
		m.notice(Notice, fmt.Sprintf("No more messages match %q: all %d were shown (/search TEXT starts again).", page.query, total))
		return Stay, nil
	}
	from := page.shown + 1
	page.shown += len(found)
	page.before = found[len(found)-1].Seq
	m.search = page
	m.hub.mu.RLock()
	found = slices.DeleteFunc(found, func(msg Message) bool { _, ig := m.ignored[msg.Author]; return ig })
	m.hub.mu.RUnlock()

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
		if msg.Kind == Action {
			who = "* " + msg.Nick
		}
		text := strings.ReplaceAll(msg.Text, "\n", " ")
		fmt.Fprintf(&b, "\n  %s %s %s", msg.Time.In(m.loc).Format("2006-01-02 15:04"), who, truncateRunes(text, 200))
	}
	if len(found) == 0 {
		b.WriteString("\n  (all from people you ignore)")
	}
	m.notice(Notice, b.String())
	return Stay, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func cmdPrivate(m *Member, args string) (Effect, error) {
	on := false
	switch strings.ToLower(args) {
	case "on":
		on = true
	case "off":
	default:
		return Stay, errors.New("usage: /private on|off")
	}
	h := m.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := m.requireOpLocked("private"); err != nil {
		return Stay, err
	}
	r := m.currentRoomLocked()
	if r == nil || r.dm || r.name == Lobby {
		return Stay, errors.New("the lobby and direct conversations cannot be invite-only")
	}
	if err := h.opts.Store.PutRoomInfo(ctxBG, RoomInfo{Name: r.name, Topic: r.topic, InviteOnly: on, Kept: true}); err != nil {
		return Stay, err
	}
	r.inviteOnly, r.kept = on, true
	// Those already in stay in, and are invited, so they can come back.
	uninvited := 0
	for o := range r.members {
		if on && o.key != "" {
			if err := h.opts.Store.Invite(ctxBG, r.name, o.key); err != nil {
				uninvited++
			}
		}
	}
	if uninvited > 0 {
		m.noticeLocked(r, Error, fmt.Sprintf("%d of those here could not be invited (the server cannot store it now): they cannot come back once they leave; /invite them later.", uninvited))
	}
	h.audit("private", "room", r.name, "on", on, "by", m.nick, "by_key", m.key)
	if on {
		r.announceLocked(m.nick + " made #" + r.name + " invite-only; those here now may come back")
	} else {
		r.announceLocked(m.nick + " opened #" + r.name + " to everyone")
	}
	return Stay, nil
}

// keyOfLocked finds whom a nick names, for invitations: the member online
// under it, or else the key that owns it (key "" when neither has a key).
// The caller holds h.mu.
func (h *Hub) keyOfLocked(arg string) (who *Member, key, nick string) {
	nick = strings.TrimLeft(arg, "@~")
	if who = h.byNickLocked(nick); who != nil {
		return who, who.key, who.nick
	}
	if owner, err := h.nickOwner(nick); err == nil {
		key = owner
	}
	return nil, key, nick
}

func cmdInvite(m *Member, args string) (Effect, error) {
	if args == "" {
		return Stay, errors.New("usage: /invite NICK")
	}
	h := m.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := m.requireOpLocked("invite"); err != nil {
		return Stay, err
	}
	r := m.currentRoomLocked()
	if r == nil || r.dm {
		return Stay, errors.New("invitations are to public rooms")
	}
	who, key, nick := h.keyOfLocked(args)
	if key == "" {
		return Stay, fmt.Errorf("%s has no key, and invitations need one", nick)
	}
	if err := h.opts.Store.Invite(ctxBG, r.name, key); err != nil {
		return Stay, err
	}
	h.audit("invite", "room", r.name, "nick", nick, "key", key, "by", m.nick)
	r.announceLocked(fmt.Sprintf("%s invited %s to #%s", m.nick, nick, r.name))
	if who != nil && who.author != m.author {
		for _, o := range who.sessionsLocked() { // on whichever device they look
			o.noticeLocked(o.currentRoomLocked(), Notice, fmt.Sprintf("%s invited you to #%s: /join #%s", m.nick, r.name, r.name))
		}
	}
	return Stay, nil
}

func cmdUninvite(m *Member, args string) (Effect, error) {
	if args == "" {
		return Stay, errors.New("usage: /uninvite NICK")
	}
	h := m.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := m.requireOpLocked("uninvite"); err != nil {
		return Stay, err
	}
	r := m.currentRoomLocked()
	if r == nil || r.dm || !r.inviteOnly {
		return Stay, errors.New("this room is open to everyone: /private on makes it invite-only first")
	}
	who, key, nick := h.keyOfLocked(args)
	if key == "" {
		return Stay, fmt.Errorf("nobody called %s is here or owns that nick", nick)
	}
	if h.listedOp(key) || (who != nil && who.isOpLocked()) {
		return Stay, fmt.Errorf("%s is an operator, and operators may enter every room", nick)
	}
	if err := h.opts.Store.Uninvite(ctxBG, r.name, key); err != nil {
		return Stay, err
	}
	h.audit("uninvite", "room", r.name, "nick", nick, "key", key, "by", m.nick)
	for o := range r.members {
		if o.key == key {
			h.unsubscribeLocked(o, r, "invitation withdrawn", true, true)
			o.noticeLocked(o.currentRoomLocked(), Notice, fmt.Sprintf("%s withdrew your invitation to #%s.", m.nick, r.name))
		}
	}
	r.announceLocked(fmt.Sprintf("%s withdrew the invitation of %s", m.nick, nick))
	return Stay, nil
}

func cmdDelete(m *Member, args string) (Effect, error) {
	arg, confirm, _ := strings.Cut(args, " ")
	if arg == "" {
		return Stay, errors.New("usage: /delete #ROOM, then /delete #ROOM confirm")
	}
	name, err := roomName(arg)
	if err != nil {
		return Stay, err
	}
	h := m.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := m.requireOpLocked("delete"); err != nil {
		return Stay, err
	}
	if name == Lobby {
		return Stay, errors.New("the lobby cannot be deleted")
	}
	r, ok := h.rooms[name]
	_, known, err := h.opts.Store.RoomInfo(ctxBG, name)
	if err != nil {
		return Stay, err
	}
	if !ok && !known {
		return Stay, fmt.Errorf("there is no room #%s", name)
	}
	if strings.TrimSpace(confirm) != "confirm" {
		n := uint64(0)
		if r != nil {
			n = r.lastSeq()
		} else if n, err = h.opts.History.LastSeq(ctxBG, name); err != nil {
			return Stay, err
		}
		m.noticeLocked(m.currentRoomLocked(), Notice, fmt.Sprintf(
			"This deletes #%s for everyone, with its %d messages, for good. To go ahead: /delete #%s confirm", name, n, name))
		return Stay, nil
	}
	if r != nil {
		for o := range r.members {
			h.unsubscribeLocked(o, r, "", false, true)
			o.noticeLocked(o.currentRoomLocked(), Notice, fmt.Sprintf("%s deleted #%s.", m.nick, name))
		}
		delete(h.rooms, name)
	}
	if err := h.opts.History.DeleteRoom(ctxBG, name); err != nil {
		return Stay, err
	}
	if err := h.opts.Store.DeleteRoomInfo(ctxBG, name); err != nil {
		return Stay, err
	}
	h.unindexRoomLocked(name)
	h.audit("room deleted", "room", name, "by", m.nick, "by_key", m.key)
	m.noticeLocked(m.currentRoomLocked(), Notice, fmt.Sprintf("#%s is deleted, with its messages.", name))
	return Stay, nil
}
