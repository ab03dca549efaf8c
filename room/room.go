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
	nicks   map[string]*Member // by foldNick

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
		out = append(out, Online{Nick: m.nick, Key: m.key})
	}
	r.mu.RUnlock()
	slices.SortFunc(out, func(a, b Online) int {
		return strings.Compare(foldNick(a.Nick), foldNick(b.Nick))
	})
	r.roster.Store(&rosterSnapshot{version: v, online: out})
	return out
}

// RosterVersion changes whenever someone joins, leaves or changes nick, so
// a view knows when to fetch Online again.
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
	if err := r.hub.opts.History.Append(context.Background(), r.name, m); err != nil {
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

// join adds a member, announces it and sends it the welcome.
func (r *Room) join(id Identity) (*Member, error) {
	h := r.hub
	m := &Member{
		room:   r,
		id:     h.nextID.Add(1),
		key:    id.Key,
		addr:   id.Addr,
		joined: h.now(),
		wakeC:  make(chan struct{}, 1),
		doneC:  make(chan struct{}),
	}
	m.author = id.Key
	if m.author == "" {
		m.author = fmt.Sprintf("session-%d", m.id)
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	if h.closing.Load() {
		return nil, ErrClosing
	}
	nick, why := r.freeNickLocked(id.Nick)
	m.nick = nick
	m.cursor = r.seq - min(r.seq, uint64(h.opts.Backlog))
	if m.cursor > 0 {
		// Shown above the backlog, so nobody takes it for the whole story.
		m.queueNotice(Message{Seq: m.cursor, Kind: Notice,
			Text: fmt.Sprintf("Earlier messages are not shown; these are the last %d.", h.opts.Backlog)})
	}
	if err := r.appendLocked(Message{Kind: Join, Nick: nick, Author: m.author}); err != nil {
		return nil, fmt.Errorf("join %s: %w", r.name, err)
	}
	r.members[m] = struct{}{}
	r.nicks[foldNick(nick)] = m
	r.version.Add(1)

	names := make([]string, 0, len(r.members))
	for o := range r.members {
		names = append(names, o.nick)
	}
	slices.SortFunc(names, func(a, b string) int { return strings.Compare(foldNick(a), foldNick(b)) })
	welcome := fmt.Sprintf("Welcome to chatroom! You are %s in #%s. Online (%d): %s.\nType /help for commands.",
		nick, r.name, len(names), listNames(names, welcomeNames))
	if why != "" {
		welcome += "\n" + why
	}
	m.noticeLocked(Message{Kind: Notice, Text: welcome})
	return m, nil
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

// reservedNick reports the folded nicks that would read as something other
// than a person in the view ("<you>" marks your own lines).
func reservedNick(folded string) bool {
	switch folded {
	case "you", "server", "system":
		return true
	}
	return false
}

// freeNickLocked turns the nick someone asked for into one that is clean and
// free, and says why it differs, if it does.
func (r *Room) freeNickLocked(asked string) (nick, why string) {
	clean := sanitize.Nick(asked)
	base := clean
	if base == "" {
		base = "guest"
	}
	nick = base
	for n := 2; r.nickTakenLocked(nick, nil); n++ {
		suffix := fmt.Sprintf("-%d", n)
		nick = truncateRunes(base, sanitize.MaxNickLen-len(suffix)) + suffix
	}
	switch {
	case clean == "":
		why = fmt.Sprintf("Your ssh user name %q cannot be a nick (use letters, digits, - _ .), so you are %s.", asked, nick)
	case clean != asked && nick != clean:
		why = fmt.Sprintf("Your ssh user name %q was cleaned to %s (nicks are 1-%d letters, digits, - _ .), which is taken, so you are %s.", asked, clean, sanitize.MaxNickLen, nick)
	case clean != asked:
		why = fmt.Sprintf("Your ssh user name %q was cleaned to %s (nicks are 1-%d letters, digits, - _ .).", asked, nick, sanitize.MaxNickLen)
	case nick != clean:
		why = fmt.Sprintf("The nick %s is taken, so you are %s.", clean, nick)
	}
	if why != "" {
		why += " Change it with /nick NEW."
	}
	return nick, why
}

// nickTakenLocked reports whether nick is reserved or used by a member other
// than self.
func (r *Room) nickTakenLocked(nick string, self *Member) bool {
	f := foldNick(nick)
	if reservedNick(f) {
		return true
	}
	other, ok := r.nicks[f]
	return ok && other != self
}

// foldNick is the form nicks are compared in: case-insensitive.
func foldNick(nick string) string {
	return strings.ToLower(nick)
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
