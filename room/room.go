package room

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/chatroom/chatroom/room/sanitize"
)

// ctxBG is the context of store and history calls: they are short, and a
// room operation is not cancelled halfway.
var ctxBG = context.Background()

// Room is an append-only log of messages with sequence numbers, and the
// members reading it. Posting appends and wakes each member with a
// non-blocking send; members pull what is new at their own pace, so no
// member can slow down the poster or anyone else.
type Room struct {
	hub  *Hub
	name string

	mu      sync.RWMutex
	seq     uint64    // last Seq appended
	tail    []Message // ring of the last len(tail) messages: Seq s sits at (s-1) % len(tail)
	tailLen uint64    // how many ring slots hold messages
	members map[*Member]struct{}
	nicks   map[string]*Member // by each of nickKeys

	// version counts changes to who is online and their nicks; roster
	// caches the sorted list for one version, shared by every view.
	version atomic.Uint64
	roster  atomic.Pointer[rosterSnapshot]
}

type rosterSnapshot struct {
	version uint64
	online  []Online
}

func newRoom(h *Hub, name string, lastSeq uint64) *Room {
	return &Room{
		hub:     h,
		name:    name,
		seq:     lastSeq,
		tail:    make([]Message, h.opts.Tail),
		members: make(map[*Member]struct{}),
		nicks:   make(map[string]*Member),
	}
}

// Name returns the room's name, without the leading '#'.
func (r *Room) Name() string { return r.name }

// Online describes one member, for rosters.
type Online struct {
	Nick string
	// Key is the public key fingerprint, "" when the member has none.
	Key string
	// Op is set for operators.
	Op bool
}

// Online returns who is in the room, sorted by nick. The slice is shared:
// callers must not modify it.
func (r *Room) Online() []Online {
	r.mu.RLock()
	v := r.version.Load()
	if snap := r.roster.Load(); snap != nil && snap.version == v {
		r.mu.RUnlock()
		return snap.online
	}
	out := make([]Online, 0, len(r.members))
	for m := range r.members {
		out = append(out, Online{Nick: m.nick, Key: m.key, Op: m.isOpLocked()})
	}
	r.mu.RUnlock()
	slices.SortFunc(out, func(a, b Online) int {
		return strings.Compare(strings.ToLower(a.Nick), strings.ToLower(b.Nick))
	})
	r.roster.Store(&rosterSnapshot{version: v, online: out})
	return out
}

// RosterVersion changes whenever someone joins, leaves, changes nick or
// gains or loses operator rights, so a view knows when to fetch Online.
func (r *Room) RosterVersion() uint64 { return r.version.Load() }

func (r *Room) memberList() []*Member {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*Member, 0, len(r.members))
	for m := range r.members {
		out = append(out, m)
	}
	return out
}

// appendLocked stores m as the next message of the log and wakes every
// member. The caller holds r.mu for writing, which keeps Seq order and log
// order the same.
func (r *Room) appendLocked(m Message) error {
	m.Seq = r.seq + 1
	m.Time = r.hub.now()
	if err := r.hub.opts.History.Append(ctxBG, r.name, m); err != nil {
		return fmt.Errorf("store message: %w", err)
	}
	r.seq = m.Seq
	r.tail[(m.Seq-1)%uint64(len(r.tail))] = m
	if r.tailLen < uint64(len(r.tail)) {
		r.tailLen++
	}
	for member := range r.members {
		member.wake()
	}
	return nil
}

// announceLocked posts a line from the server, such as a moderation act.
func (r *Room) announceLocked(text string) {
	// A store failure loses only the announcement; the act stands.
	_ = r.appendLocked(Message{Kind: Announcement, Text: text})
}

// join adds a member, announces it and sends it the welcome.
func (r *Room) join(id Identity) (*Member, error) {
	h := r.hub
	m := newMember(r, id)

	r.mu.Lock()
	defer r.mu.Unlock()
	if h.closing.Load() {
		return nil, ErrClosing
	}
	// The same key asking for the nick its hanging session still holds
	// (a dropped Wi-Fi, a closed laptop) takes the nick over at once.
	joinText := ""
	if ghost := r.byNickLocked(sanitizeNickForLookup(id.Nick)); ghost != nil && ghost.key != "" && ghost.key == m.key &&
		(ghost.conn == 0 || ghost.conn != m.conn) {
		r.closeLocked(ghost, "you connected again from another session, so this one is closed", "replaced by a new session", false)
		joinText = "reconnected"
	}
	nick, why, err := r.freeNickLocked(id.Nick, m.key)
	if err != nil {
		return nil, fmt.Errorf("join %s: %w", r.name, err)
	}
	m.nick = nick
	m.cursor = r.seq - min(r.seq, uint64(h.opts.Backlog))
	if m.cursor > 0 {
		// Shown above the backlog, so nobody takes it for the whole story.
		m.queueNotice(Message{Seq: m.cursor, Kind: Notice,
			Text: fmt.Sprintf("Earlier messages are not shown; these are the last %d.", h.opts.Backlog)})
	}
	if err := r.appendLocked(Message{Kind: Join, Nick: nick, Author: m.author, Text: joinText}); err != nil {
		return nil, fmt.Errorf("join %s: %w", r.name, err)
	}
	r.members[m] = struct{}{}
	r.indexNickLocked(m)
	r.version.Add(1)
	// A nick is registered only when the person chose it: not a variant
	// given because theirs was taken, nor a cleaned-up user name.
	if m.key != "" && nick == id.Nick {
		if err := h.claimNick(nick, m.key); err != nil {
			why += fmt.Sprintf("\n(Could not register the nick to your key: %v.)", err)
		}
	}
	m.loadIgnores()

	names := make([]string, 0, len(r.members))
	for o := range r.members {
		names = append(names, o.nick)
	}
	slices.SortFunc(names, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	welcome := fmt.Sprintf("Welcome to chatroom! You are %s in #%s. Online (%d): %s.\nType /help for commands.",
		nick, r.name, len(names), listNames(names, welcomeNames))
	if m.key == "" {
		welcome += "\nYou connected without an ssh key, so others see you as unverified (~) and your nick is not kept for you." +
			" To fix that: ssh-keygen -t ed25519, then connect again."
	}
	if why != "" {
		welcome += "\n" + why
	}
	m.noticeLocked(Message{Kind: Notice, Text: welcome})
	if why := m.mutedLocked(h.now()); why != "" {
		m.noticeLocked(Message{Kind: Error, Text: capitalise(why) + ". You can read, not post."})
	}
	if motd := h.motd(); motd != "" {
		m.noticeLocked(Message{Kind: Notice, Text: "Message of the day: " + motd})
	}
	return m, nil
}

// sanitizeNickForLookup is the nick a join would ask for, for finding a
// session of the same key that still holds it.
func sanitizeNickForLookup(asked string) string {
	if n := sanitize.Nick(asked); n != "" {
		return n
	}
	return "guest"
}

// closeLocked ends a member's session on the room's initiative: a kick, a
// ban, a newer session of the same key, the server stopping. tell is what
// the member is told as its view closes; reason is the short form for logs
// and, when announce is set, for the leave line others see.
func (r *Room) closeLocked(m *Member, tell, reason string, announce bool) {
	if m.left {
		return
	}
	m.left = true
	m.closedReason, m.endReason = tell, reason
	r.removeLocked(m)
	if announce {
		_ = r.appendLocked(Message{Kind: Leave, Nick: m.nick, Author: m.author, Text: reason})
	}
	close(m.doneC)
}

// removeLocked takes m out of the member list and frees its nick.
func (r *Room) removeLocked(m *Member) {
	delete(r.members, m)
	r.unindexNickLocked(m)
	r.version.Add(1)
}

// welcomeNames is how many nicks the welcome lists; /names lists all.
const welcomeNames = 20

// listNames joins names, cutting the list after limit with a count of the
// rest.
func listNames(names []string, limit int) string {
	if len(names) <= limit {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:limit], ", ") + fmt.Sprintf(" and %d more (/names lists all)", len(names)-limit)
}

func truncateRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}
