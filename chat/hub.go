// Package chat holds every rule of the chat, as typed operations on a
// Member with typed errors: rooms, members and their devices, who owns
// which nick, permissions, moderation, rate limits, presence and read
// positions, under the hub's one lock. It uses its leaves for what they own:
// chat/roomlog (a room's log), chat/nickname (what a nick is),
// chat/sanction (bans and mutes in force), chat/message. What a typed line
// means is package chat/command's, which calls these operations. It knows
// nothing of ssh or terminals, so all of it is tested without either.
package chat

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/chat/nickname"
	"github.com/chatroom/chatroom/chat/sanction"
	"github.com/chatroom/chatroom/limit"
	"github.com/chatroom/chatroom/store"
	"github.com/chatroom/chatroom/store/memory"
)

// Lobby is the room everyone joins.
const Lobby = "lobby"

// Limits on what a member may post.
const (
	// MaxMessageLen is the longest message, in characters.
	MaxMessageLen = 2000
	// MaxMessageLines is the most lines one message may hold (a paste).
	MaxMessageLines = 100
)

// Rate limits that are not options. Generous enough that no person hits
// them by accident; a script that does is told when it may go on.
const (
	nickChangeEvery = 10 * time.Second // then one nick change per this
	nickChangeBurst = 3
	joinEvery       = 6 * time.Second // then one join per this, per key or address
	joinBurst       = 10
	// An address may be a household or an office behind one router;
	// people there without keys share its allowance.
	addrJoinBurst = 30
	// floodStrikes is how many refused posts (refilling one every
	// floodStrikeEvery) a member may cause before being kicked for
	// flooding. A terminal without bracketed paste sends a pasted block
	// line by line, each refused once the burst is spent; that is not a
	// flood, so the allowance covers the longest message (100 lines).
	floodStrikes     = 120
	floodStrikeEvery = 500 * time.Millisecond
	// Making rooms: a few at once, then one a minute, per key; and per
	// address whatever the keys, since keys cost nothing to make: ten at
	// once, enough for a class splitting into groups, then one every five
	// minutes. Keyless people share their address's allowance. Listed
	// operators are not limited. An empty room nobody owns goes after
	// roomExpiry (see expireRooms), so what gets past these does not last.
	newRoomBurst     = 3
	newRoomEvery     = time.Minute
	newRoomAddrBurst = 10
	newRoomAddrEvery = 5 * time.Minute
	// maxRooms is how many rooms and conversations one session may be in
	// by its own doing (/join, /msg, answering). Conversations others
	// opened and the person has not answered are bounded apart, by
	// maxUnanswered, so they never take the place of the person's own.
	maxRooms = 100
	// maxUnanswered is how many conversations others opened may wait for
	// one person who has not written in them; beyond that, a stranger's
	// new conversation is refused (the sender is told to try later) until
	// the person answers or closes some. maxUnansweredBy is how many people
	// one key may leave messages for while they are away who have not
	// answered it: one key cannot write to everyone.
	maxUnanswered   = 30
	maxUnansweredBy = 20
	// Loading older messages (scrolling back, /history) reads the database: a
	// steady page a second, more in a burst.
	olderBurst = 20
	olderEvery = 200 * time.Millisecond
)

// ErrClosing is returned by Join once Shutdown has begun.
var ErrClosing = errors.New("the server is shutting down")

// Operators says which keys are operators. The daemon reads them from a
// file it may reload at any moment, so the answer may change.
type Operators interface {
	IsOperator(key string) bool
}

// Logger receives the hub's own troubles, structured: a message, then
// key-value pairs. *charm.land/log/v2.Logger is one.
type Logger interface {
	Error(msg any, keyvals ...any)
	Info(msg any, keyvals ...any)
}

// ErrNotStored is why a line a person typed was not sent: the server
// could not store it (a full disk, a failing database). Its author keeps
// the text and may send it again.
var ErrNotStored = errors.New("not sent: the server cannot store messages right now (disk full?); try again")

// Options configures a Hub. The zero value works.
type Options struct {
	// History stores the logs. Default: a memory.History of 100,000
	// messages and 64 MiB per room.
	History store.History
	// Store keeps nick owners, bans, mutes and settings. Default: a
	// memory.Store.
	Store store.Store
	// Operators names the operators' keys. Default: nobody.
	Operators Operators
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// AfterFunc runs f after d on the same clock as Now, as
	// time.AfterFunc does, and returns what stops it. Default:
	// time.AfterFunc. Tests that set Now set this too.
	AfterFunc func(d time.Duration, f func()) (stop func() bool)
	// Backlog is how many earlier messages a member sees on joining.
	// Default 100.
	Backlog int
	// Tail is how many recent messages each room keeps in memory so members
	// catch up without touching History. Default 1024, at least Backlog.
	Tail int
	// Batch is the most messages one Member.Next returns. Default 512.
	Batch int
	// MessageRate is how many messages per second a member may send once
	// MessageBurst is spent. Defaults: 2 per second, burst 10.
	MessageRate  float64
	MessageBurst int
	// Audit records moderation acts and other events worth a log line.
	// Default: nothing.
	Audit func(msg string, keyvals ...any)
	// Logger is told what the operator must know about the hub itself,
	// such as writes to the store failing. Default: nothing.
	Logger Logger
	// Retain, if set, is how long messages are kept; RetainMessages, if
	// set, how many per room. Prune applies them.
	Retain         time.Duration
	RetainMessages int
	// AliveTimeout is how long the sessions of a key that has as many as
	// it may are given to answer whether they are still there, when
	// another arrives (see MaxSessionsPerKey). Default 5 s.
	AliveTimeout time.Duration
	// Observer is told what the hub does, for metrics. Default: nothing.
	Observer Observer
}

// Hub owns the rooms of one daemon, and what applies across them: who is
// online under which nick, bans, mutes, the message of the day.
//
// One lock, mu, guards who is where: the rooms and their members, nicks,
// and each member's state. Each room's log has a lock of its own, taken
// inside mu, so posting in one room never waits on another. Posting holds
// mu for reading; joining, leaving, renaming and moderating hold it for
// writing, briefly.
type Hub struct {
	opts   Options
	obs    Observer    // opts.Observer, or one that does nothing
	writes *writeWatch // every write to the store and history, for Health
	nextID atomic.Uint64

	// closing is set under mu, so a join either sees it or is among the
	// members Shutdown closes.
	closing atomic.Bool

	mu       sync.RWMutex
	rooms    map[string]*Room
	expiring map[string]string // rooms being deleted (for standing empty, or by /delete), none may be entered: why
	// roomEpoch moves on each time a room's stored record changes in a
	// way a record read earlier would miss (see readRooms).
	roomEpoch atomic.Uint64
	vacated   map[string]time.Time // when the last person left each public room, for expireRooms
	looks     map[string]string    // each public room's name, by each of nickKeys (see indexRoomLocked)
	nicks     map[string]*Member   // by each of nickKeys; one of a key's sessions
	members   map[*Member]struct{}
	people    map[string]*person    // the sessions of each key online
	held      map[string]*heldLeave // leave lines waiting out reconnectGrace, by heldKey
	pending   []func()              // store writes of the changes made under mu, for unlock
	lastReads *readsBatch           // the last of pending, if it saves read positions
	lines     []queuedLine          // server lines queued under mu, stored by unlock (see serverLineLocked)
	afterLine []func()              // notices that go after lines, queued once they are stored
	emptied   []emptiedRoom         // rooms emptied under mu, let go of by unlock (see letGoEmptied)

	storeWrites writeQueue // runs the writes unlock hands it, in order (storewrites.go)

	motdMu sync.Mutex // one SetMOTD at a time: store, then show
	// sanctionWriteMu keeps bans and mutes to one change at a time, from
	// checking it to storing it to applying it (see impose). Taken
	// before mu, never under it.
	sanctionWriteMu sync.Mutex
	sanctions       *sanction.List
	motdText        atomic.Pointer[string] // what motd returns

	// Limits kept across sessions, by key and by address group.
	joinsByKey, joinsByAddr *limit.Keyed
	roomsByKey, roomsByAddr *limit.Keyed

	// pruneMu keeps Prune to one run at a time; it guards spoken, whether
	// the last sweep found something said in each room nobody was in (see
	// expireRooms).
	pruneMu sync.Mutex
	spoken  map[string]bool

	// openMu lets one conversation at a time be opened with someone not
	// in it, so that two strangers writing at once cannot both take the
	// last place among those that may wait for them (see
	// admitConversation). It is taken before mu, never while holding it.
	openMu sync.Mutex
}

// NewHub returns a Hub with the given options, defaults filled in, and the
// bans, mutes and message of the day loaded from the store.
func NewHub(opts Options) (*Hub, error) {
	if opts.History == nil {
		opts.History = &memory.History{Limit: 100_000, MaxBytes: 64 << 20}
	}
	if opts.Store == nil {
		opts.Store = &memory.Store{}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.AfterFunc == nil {
		opts.AfterFunc = func(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }
	}
	if opts.Backlog <= 0 {
		opts.Backlog = 100
	}
	if opts.Tail < opts.Backlog {
		opts.Tail = max(1024, opts.Backlog)
	}
	if opts.Batch <= 0 {
		opts.Batch = 512
	}
	if opts.MessageRate <= 0 {
		opts.MessageRate = 2
	}
	if opts.MessageBurst <= 0 {
		opts.MessageBurst = 10
	}
	if opts.AliveTimeout <= 0 {
		opts.AliveTimeout = defaultAliveTimeout
	}
	if opts.Audit == nil {
		opts.Audit = func(string, ...any) {}
	}
	if opts.Logger == nil {
		opts.Logger = nopLogger{}
	}
	// Every write goes through one watch, so that a failing store is
	// logged whichever write meets it first.
	watch := &writeWatch{log: opts.Logger, now: opts.Now, obs: opts.Observer}
	opts.Store = watchedStore{Store: opts.Store, w: watch}
	opts.History = watchedHistory{History: opts.History, w: watch}
	h := &Hub{
		opts:        opts,
		obs:         nopObserver{},
		writes:      watch,
		rooms:       make(map[string]*Room),
		expiring:    make(map[string]string),
		vacated:     make(map[string]time.Time),
		looks:       make(map[string]string),
		nicks:       make(map[string]*Member),
		members:     make(map[*Member]struct{}),
		people:      make(map[string]*person),
		held:        make(map[string]*heldLeave),
		joinsByKey:  limit.NewKeyed(joinEvery, joinBurst),
		joinsByAddr: limit.NewKeyed(joinEvery, addrJoinBurst),
		roomsByKey:  limit.NewKeyed(newRoomEvery, newRoomBurst),
		roomsByAddr: limit.NewKeyed(newRoomAddrEvery, newRoomAddrBurst),
	}
	if opts.Observer != nil {
		h.obs = opts.Observer
	}
	list, err := opts.Store.Sanctions(ctxBG)
	if err != nil {
		return nil, fmt.Errorf("load bans and mutes: %w", err)
	}
	h.sanctions = sanction.NewList(list)
	infos, err := opts.Store.RoomInfos(ctxBG)
	if err != nil {
		return nil, fmt.Errorf("load rooms: %w", err)
	}
	h.indexRoomLocked(Lobby)
	for _, info := range infos {
		h.indexRoomLocked(info.Name)
	}
	motd, err := opts.Store.Setting(ctxBG, settingMOTD)
	if err != nil {
		return nil, fmt.Errorf("load the message of the day: %w", err)
	}
	h.motdText.Store(&motd)
	return h, nil
}

// Identity is who is joining, as the transport established it.
type Identity struct {
	// Key is the SHA256 fingerprint of the client's public key, or "" for
	// a client that authenticated without one.
	Key string
	// Nick is the nick asked for (the ssh user name), not yet cleaned.
	Nick string
	// Addr is the client's network address.
	Addr string
	// Alive asks the client whether it is still there, returning nil if
	// it answers; it must return once ctx ends. The hub asks when the key
	// has as many sessions as it may and another arrives: those that do
	// not answer make way. nil: the transport cannot tell, and the session
	// counts as answering.
	Alive func(ctx context.Context) error
	// Location is the time zone the member reads times in, for times the
	// room writes into text (search results); nil means the server's.
	Location *time.Location
	// Unannounced is a session that is not someone arriving: a script
	// saying a line or reading the log (ssh host say ..., tail, who). Its
	// coming and going posts no join or leave line, it is in no roster,
	// and it does not make a room the key's for later sessions. What it
	// says still shows under its nick, and every rule (bans, mutes, rate
	// limits) applies to it as to anyone.
	Unannounced bool
}

// Join adds a member: to the lobby, and, for a key that was here before, to
// the rooms and direct conversations it was in, each showing what is new
// since it left. A key already online gets another session of the same
// person: its nick, its rooms, its read positions, and no join line. It
// refuses banned keys and addresses, identities joining too often, and a
// key with MaxSessionsPerKey sessions that all still answer
// (ErrTooManySessions).
func (h *Hub) Join(id Identity) (*Member, error) {
	now := h.now()
	if refusal, banned := h.Banned(id.Key, id.Addr); banned {
		h.obs.Refused(RefusedBanned)
		return nil, refuse(ErrBanned, "%s", refusal)
	}
	if err := h.allowJoin(id, now); err != nil {
		h.obs.Refused(RefusedJoinRate)
		return nil, err
	}
	// Before reading where the key had read to: closing a session that
	// no longer answers saves its read positions.
	replaced, err := h.makeRoomForSession(id.Key)
	if err != nil {
		if errors.Is(err, ErrTooManySessions) {
			h.obs.Refused(RefusedTooManySessions)
		}
		return nil, err
	}
	var rejoin []store.Membership
	if id.Key != "" {
		var err error
		if rejoin, err = h.opts.Store.Memberships(ctxBG, id.Key); err != nil {
			return nil, fmt.Errorf("join: %w", err)
		}
	}
	m := newMember(h, id)
	// The store is read before taking the lock: a crowd coming back
	// after a restart must not read the history one by one under it.
	m.loadPrefs()
	igs, igErr := m.readIgnores()
	missed := h.readMissed(m.author, igs, rejoin)
	owner, err := h.nickOwner(nickname.Asked(id.Nick))
	if err != nil {
		return nil, fmt.Errorf("join: %w", err)
	}
	names := []string{Lobby}
	for _, ms := range rejoin {
		names = append(names, ms.Room)
	}
	recs, err := h.readRooms(m.key, names...)
	if err != nil {
		return nil, fmt.Errorf("join: %w", err)
	}

	h.mu.Lock()
	defer h.unlock()
	if h.closing.Load() {
		return nil, ErrClosing
	}
	joinText := ""
	var sibling *Member // another session of the key: this is another device of theirs
	if p := h.people[m.key]; m.key != "" && p != nil && len(p.sessions) > 0 {
		if len(p.sessions) >= MaxSessionsPerKey {
			h.obs.Refused(RefusedTooManySessions)
			return nil, ErrTooManySessions // another joined while this one waited
		}
		sibling = p.sessions[0]
	} else if replaced > 0 {
		joinText = "reconnected" // over sessions that hung, all gone now
	}
	var nick, why string
	if sibling != nil {
		// One person, one nick, whatever the user name of this device.
		nick = sibling.nick
		if !nickname.Same(nick, nickname.Asked(id.Nick)) {
			why = fmt.Sprintf("You are %s, as on your other sessions with this key.", nick)
		}
		rejoin = liveRoomsLocked(sibling, rejoin)
		m.pres = sibling.pres // /away on one device is /away on all
		// One person, one allowance: a second device is no way round the
		// rate limits or the flood kick.
		m.msgLimit, m.nickLimit, m.strikes = sibling.msgLimit, sibling.nickLimit, sibling.strikes
		m.ignored = sibling.ignored // and /ignore on one is /ignore on all
	} else {
		var err error
		if nick, why, err = h.freeNickLocked(id.Nick, m.key, owner); err != nil {
			return nil, fmt.Errorf("join: %w", err)
		}
	}
	m.renameLocked(nick)
	h.indexNickLocked(m)
	h.members[m] = struct{}{}
	h.addSessionLocked(m)
	// A nick is registered only when the person chose it: not a variant
	// given because theirs was taken, nor a cleaned-up user name.
	if m.key != "" && sibling == nil && nick == id.Nick {
		h.claimNickLocked(m, nick)
	}
	m.applyIgnoresLocked(igs, igErr)
	m.missed = missed
	defer func() { m.missed = nil }() // only joining needs it
	if n := m.devicesLocked(); n > 1 {
		others := "session"
		if n > 2 {
			others = "sessions"
		}
		why = strings.TrimSpace(why + fmt.Sprintf("\nYou are also connected from %d other %s with this key: they share your nick, rooms and what you have read.", n-1, others))
	}

	lobby, err := h.roomLocked(Lobby, recs)
	if err != nil {
		h.dropLocked(m)
		return nil, fmt.Errorf("join: %w", err)
	}
	saved := map[string]store.Membership{}
	for _, ms := range rejoin {
		saved[ms.Room] = ms
	}
	lobbyMs, wasHere := saved[Lobby]
	h.subscribeLocked(m, lobby, lobbyMs, wasHere, joinText)
	m.current = Lobby
	var rejoined []string
	// The member's own rooms and conversations first, up to maxRooms;
	// then those others opened that it has not answered, up to
	// maxUnanswered: strangers writing never crowd out its own.
	others := func(ms store.Membership) int {
		if ms.From != "" {
			return 1
		}
		return 0
	}
	slices.SortStableFunc(rejoin, func(a, b store.Membership) int { return others(a) - others(b) })
	skipped, skippedUnanswered := 0, 0
	for _, ms := range rejoin {
		if ms.Room == Lobby {
			continue
		}
		if ms.From == "" && m.ownRoomsLocked() >= maxRooms {
			skipped++
			continue
		}
		if ms.From != "" && m.unansweredLocked() >= maxUnanswered {
			skippedUnanswered++
			continue
		}
		r, err := h.rejoinableLocked(m, ms.Room, recs)
		if err != nil || r == nil {
			continue // a room deleted, or closed to this key, since
		}
		h.subscribeLocked(m, r, ms, true, joinText)
		if !r.dm {
			rejoined = append(rejoined, "#"+r.name)
		}
	}
	var notes []string
	if why != "" {
		notes = append(notes, why)
	}
	if skipped > 0 {
		notes = append(notes, fmt.Sprintf("%d more of your rooms and conversations were not reopened: one session may be in %d at most.", skipped, maxRooms))
	}
	if skippedUnanswered > 0 {
		notes = append(notes, fmt.Sprintf("%d more conversations opened by people you have not written to were not reopened: at most %d are.", skippedUnanswered, maxUnanswered))
	}
	h.welcomeLocked(m, lobby, strings.Join(notes, "\n"), rejoined)
	return m, nil
}

// welcomeLocked greets a member who just joined, in the lobby.
func (h *Hub) welcomeLocked(m *Member, lobby *Room, why string, rejoined []string) {
	online := lobby.peopleLocked()
	welcome := fmt.Sprintf("Welcome to chatroom! You are %s in #%s. Online (%d): %s.\nType /help for commands.",
		m.nick, lobby.name, online, listFirstNames(firstNicks(lobby.members, welcomeNames), online))
	if m.key == "" {
		welcome += "\nYou connected without an ssh key, so others see you as unverified (~) and your nick is not kept for you." +
			" To fix that: ssh-keygen -t ed25519, then connect again."
	}
	if why != "" {
		welcome += "\n" + why
	}
	m.noticeLocked(lobby, message.Kind(message.Notice), welcome)
	if len(rejoined) > 0 {
		m.hintLocked(lobby, message.HintSwitchRooms, fmt.Sprintf("You are back in %s too.", strings.Join(rejoined, ", ")))
	}
	var dms []string
	for _, s := range m.order {
		if n := s.unreadAtJoin; s.room.dm && n > 0 {
			dms = append(dms, fmt.Sprintf("%s (%d)", s.label, n))
		}
	}
	if len(dms) > 0 {
		list := strings.Join(dms[:min(len(dms), welcomeNames)], ", ")
		if len(dms) > welcomeNames {
			list += fmt.Sprintf(" and %d more", len(dms)-welcomeNames)
		}
		m.hintLocked(lobby, message.HintGoThere, "New direct messages while you were away: "+list+".")
	}
	if n := m.unansweredLocked(); n > 0 {
		these := fmt.Sprintf("%d conversations were", n)
		if n == 1 {
			these = "1 conversation was"
		}
		m.noticeLocked(lobby, message.Notice, these+" opened by people you have not written to: "+
			fmt.Sprintf("at most %d such wait for you, and beyond that others are told to try later. /part closes one you do not want.", maxUnanswered))
	}
	if why := m.mutedLocked(h.now()); why != "" {
		m.noticeLocked(lobby, message.Error, capitalise(why)+". You can read, not post.")
	}
	if motd := h.motd(); motd != "" {
		m.noticeLocked(lobby, message.Notice, "Message of the day: "+motd)
	}
}

// allowJoin limits how often one key (or, without a key, one address)
// joins: generous enough for someone reconnecting after network trouble.
func (h *Hub) allowJoin(id Identity, now time.Time) error {
	take := limit.Take{Limits: h.joinsByKey, Key: id.Key}
	if id.Key == "" {
		take = limit.Take{Limits: h.joinsByAddr, Key: limit.AddrGroup(hostOnly(id.Addr))}
	}
	if wait, ok := limit.AllowAll(now, take); !ok {
		return fmt.Errorf("too many joins in a short time; try again in %d s", seconds(wait))
	}
	return nil
}

// seconds is a wait in whole seconds, rounded up, at least 1.
func seconds(wait time.Duration) int {
	return max(1, int(wait.Seconds()+0.999))
}

// Room returns the room called name, creating it if needed.
func (h *Hub) Room(name string) (*Room, error) {
	recs, err := h.readRooms("", name)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.unlock()
	if h.closing.Load() {
		return nil, ErrClosing
	}
	return h.roomLocked(name, recs)
}

// Shutdown refuses further joins and closes every member's session, telling
// each that the server is shutting down. Their read positions are kept for
// when they come back: it returns once they are stored (and every other
// store write queued before), so that the store may be closed then. It
// does not wait for the sessions to end.
func (h *Hub) Shutdown() {
	h.mu.Lock()
	h.closing.Store(true)
	for m := range h.members {
		h.closeLocked(m, "server is shutting down", "server shutdown", false)
	}
	h.dropHeldLocked()
	h.unlock()
	h.WaitWrites()
}

// CloseWhere closes the session of every member whose key ("" without
// one) close says to close, telling it tell; others see reason in its leave
// lines. It returns how many it closed.
func (h *Hub) CloseWhere(close func(key string) bool, tell, reason string) int {
	h.mu.Lock()
	defer h.unlock()
	n := 0
	for m := range h.members {
		if close(m.key) {
			h.closeLocked(m, tell, reason, true)
			n++
		}
	}
	return n
}

// Prune applies the retention options to every room's history, then
// deletes the rooms nobody owns that have stood empty for a day (see
// expireRooms). It returns how many messages it deleted. It runs beside
// posting, never holding a room while it deletes.
func (h *Hub) Prune(ctx context.Context) (int, error) {
	h.pruneMu.Lock()
	defer h.pruneMu.Unlock()
	n, err := h.pruneMessages(ctx)
	if _, xerr := h.expireRooms(ctx); xerr != nil {
		err = errors.Join(err, xerr)
	}
	return n, err
}

// pruneMessages applies the retention options to every room's history.
func (h *Hub) pruneMessages(ctx context.Context) (int, error) {
	if h.opts.Retain <= 0 && h.opts.RetainMessages <= 0 {
		return 0, nil
	}
	var before time.Time
	if h.opts.Retain > 0 {
		before = h.now().Add(-h.opts.Retain)
	}
	rooms, err := h.opts.History.Rooms(ctx)
	if err != nil {
		return 0, fmt.Errorf("prune: %w", err)
	}
	total := 0
	for _, name := range rooms {
		n, err := h.opts.History.Prune(ctx, name, before, h.opts.RetainMessages)
		h.roomsChanged() // the oldest Seq a record holds may be gone
		total += n
		if err != nil {
			return total, fmt.Errorf("prune %s: %w", name, err)
		}
		if n > 0 {
			delete(h.spoken, name) // perhaps no longer
			if err := h.forgetPruned(ctx, name); err != nil {
				return total, err
			}
		}
	}
	return total, nil
}

// forgetPruned makes a loaded room forget, in memory too, what pruning
// deleted from its history, so nobody is shown it again.
func (h *Hub) forgetPruned(ctx context.Context, name string) error {
	h.mu.RLock()
	r, ok := h.rooms[name]
	h.mu.RUnlock()
	if !ok {
		return nil
	}
	oldest, err := h.opts.History.After(ctx, name, 0, 1)
	if err != nil {
		return fmt.Errorf("prune %s: %w", name, err)
	}
	first := r.lastSeq() + 1
	if len(oldest) > 0 {
		first = oldest[0].Seq
	}
	r.log.ForgetBefore(first)
	return nil
}

// Checkpoint records in the store where every member has read to, so that
// a crash costs people at most their reading since the last checkpoint
// (leaving records it anyway). It writes outside the hub's lock, so posting
// never waits for it; SaveRead never brings back a room left meanwhile.
func (h *Hub) Checkpoint(ctx context.Context) error {
	type position struct {
		key  string
		s    *sub
		read uint64
	}
	var todo []position
	h.mu.RLock()
	for m := range h.members {
		if m.key == "" {
			continue
		}
		for _, s := range m.order {
			if read := s.read.Load(); read > s.saved.Load() {
				todo = append(todo, position{m.key, s, read})
			}
		}
	}
	h.mu.RUnlock()
	var errs []error
	for _, p := range todo {
		if err := h.opts.Store.SaveRead(ctx, p.key, p.s.room.name, p.read); err != nil {
			errs = append(errs, err)
			continue
		}
		p.s.saved.Store(p.read)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("checkpoint read positions: %w", err)
	}
	return nil
}

func (h *Hub) now() time.Time {
	return h.opts.Now()
}

func (h *Hub) audit(msg string, keyvals ...any) {
	h.opts.Audit(msg, keyvals...)
}
