// Package room holds every rule of the chat: rooms, members, nicks,
// commands, permissions, moderation, rate limits and the log that members
// read from. It knows nothing of ssh or terminals, so all of it is tested
// without either.
package room

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
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
)

// ErrClosing is returned by Join once Shutdown has begun.
var ErrClosing = errors.New("the server is shutting down")

// Operators says which keys are operators. The daemon reads them from a
// file it may reload at any moment, so the answer may change.
type Operators interface {
	IsOperator(key string) bool
}

// Options configures a Hub. The zero value works.
type Options struct {
	// History stores the logs. Default: a MemoryHistory of 100,000
	// messages and 64 MiB per room.
	History History
	// Store keeps nick owners, bans, mutes and settings. Default: a
	// MemoryStore.
	Store Store
	// Operators names the operators' keys. Default: nobody.
	Operators Operators
	// Now is the clock. Default: time.Now.
	Now func() time.Time
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
	// HelpExtra is appended to /help: the view's key bindings, say.
	HelpExtra []string
	// Audit records moderation acts and other events worth a log line.
	// Default: nothing.
	Audit func(msg string, keyvals ...any)
}

// Hub owns the rooms of one daemon, and what applies across them: bans,
// mutes, the message of the day.
type Hub struct {
	opts     Options
	commands []Command
	nextID   atomic.Uint64

	// closing is set under mu and read under each Room's lock, so a join
	// either sees it or is in the member list Shutdown closes.
	closing atomic.Bool

	mu    sync.Mutex
	rooms map[string]*Room

	sanctionMu sync.RWMutex
	sanctions  map[SanctionKind]map[string]Sanction // by target
	motdText   string

	joinMu     sync.Mutex
	joinLimits map[string]*rate.Limiter // by key or address
}

// NewHub returns a Hub with the given options, defaults filled in, and the
// bans, mutes and message of the day loaded from the store.
func NewHub(opts Options) (*Hub, error) {
	if opts.History == nil {
		opts.History = &MemoryHistory{Limit: 100_000, MaxBytes: 64 << 20}
	}
	if opts.Store == nil {
		opts.Store = &MemoryStore{}
	}
	if opts.Now == nil {
		opts.Now = time.Now
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
	if opts.Audit == nil {
		opts.Audit = func(string, ...any) {}
	}
	h := &Hub{
		opts:       opts,
		commands:   defaultCommands(),
		rooms:      make(map[string]*Room),
		sanctions:  map[SanctionKind]map[string]Sanction{Ban: {}, Mute: {}},
		joinLimits: make(map[string]*rate.Limiter),
	}
	list, err := opts.Store.Sanctions(ctxBG)
	if err != nil {
		return nil, fmt.Errorf("load bans and mutes: %w", err)
	}
	for _, s := range list {
		h.sanctions[s.Kind][s.Target] = s
	}
	if h.motdText, err = opts.Store.Setting(ctxBG, settingMOTD); err != nil {
		return nil, fmt.Errorf("load the message of the day: %w", err)
	}
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
	// Conn tells the client's connections apart. A session joining on the
	// connection that carries the key's other session is a second window
	// (an OpenSSH ControlMaster), not a reconnect, so takes no nick over.
	Conn uint64
}

// Join adds a member to the lobby. It refuses banned keys and addresses,
// and identities joining too often.
func (h *Hub) Join(id Identity) (*Member, error) {
	now := h.now()
	if s, banned := h.Banned(id.Key, id.Addr); banned {
		return nil, errors.New(s.Refusal(now))
	}
	if err := h.allowJoin(id, now); err != nil {
		return nil, err
	}
	r, err := h.Room(Lobby)
	if err != nil {
		return nil, err
	}
	return r.join(id)
}

// allowJoin limits how often one key (or, without a key, one address)
// joins: generous enough for someone reconnecting after network trouble.
func (h *Hub) allowJoin(id Identity, now time.Time) error {
	who, burst := id.Key, joinBurst
	if who == "" {
		who, burst = AddrGroup(id.Addr), addrJoinBurst
	}
	h.joinMu.Lock()
	defer h.joinMu.Unlock()
	lim, ok := h.joinLimits[who]
	if !ok {
		if len(h.joinLimits) > 10_000 {
			// Forget limiters that have refilled: they hold no state.
			for k, l := range h.joinLimits {
				if l.TokensAt(now) >= float64(l.Burst()) {
					delete(h.joinLimits, k)
				}
			}
		}
		lim = rate.NewLimiter(rate.Every(joinEvery), burst)
		h.joinLimits[who] = lim
	}
	if lim.AllowN(now, 1) {
		return nil
	}
	res := lim.ReserveN(now, 1)
	wait := res.DelayFrom(now)
	res.CancelAt(now)
	return fmt.Errorf("too many joins in a short time; try again in %d s", max(1, int(wait.Seconds()+0.999)))
}

// AddrGroup is the unit per-address rules count by: an IPv4 address, or an
// IPv6 /64, which one subscriber usually holds whole and could otherwise
// hop across at will.
func AddrGroup(addr string) string {
	ip := net.ParseIP(hostOnly(addr))
	if ip == nil || ip.To4() != nil {
		return hostOnly(addr)
	}
	return (&net.IPNet{IP: ip.Mask(net.CIDRMask(64, 128)), Mask: net.CIDRMask(64, 128)}).String()
}

// Room returns the room called name, creating it if needed.
func (h *Hub) Room(name string) (*Room, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closing.Load() {
		return nil, ErrClosing
	}
	if r, ok := h.rooms[name]; ok {
		return r, nil
	}
	last, err := h.opts.History.LastSeq(ctxBG, name)
	if err != nil {
		return nil, fmt.Errorf("open room %s: %w", name, err)
	}
	r := newRoom(h, name, last)
	h.rooms[name] = r
	return r, nil
}

func (h *Hub) roomList() []*Room {
	h.mu.Lock()
	defer h.mu.Unlock()
	rooms := make([]*Room, 0, len(h.rooms))
	for _, r := range h.rooms {
		rooms = append(rooms, r)
	}
	return rooms
}

// Shutdown refuses further joins and closes every member's session, telling
// each that the server is shutting down. It does not wait.
func (h *Hub) Shutdown() {
	h.mu.Lock()
	h.closing.Store(true)
	h.mu.Unlock()
	for _, r := range h.roomList() {
		r.mu.Lock()
		for m := range r.members {
			r.closeLocked(m, "server is shutting down", "server shutdown", false)
		}
		r.mu.Unlock()
	}
}

// CloseWhere closes the session of every member whose key (""
// without one) close says to close, telling it tell; others see reason in
// its leave line. It returns how many it closed.
func (h *Hub) CloseWhere(close func(key string) bool, tell, reason string) int {
	n := 0
	for _, r := range h.roomList() {
		r.mu.Lock()
		for m := range r.members {
			if close(m.key) {
				r.closeLocked(m, tell, reason, true)
				n++
			}
		}
		r.mu.Unlock()
	}
	return n
}

// Commands returns the command table, for completion and help.
func (h *Hub) Commands() []Command {
	return h.commands
}

func (h *Hub) now() time.Time {
	return h.opts.Now()
}

func (h *Hub) audit(msg string, keyvals ...any) {
	h.opts.Audit(msg, keyvals...)
}
