// Package room holds every rule of the chat: rooms, members, nicks,
// commands and the log that members read from. It knows nothing of ssh or
// terminals, so all of it is tested without either.
package room

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
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

// ErrClosing is returned by Join once Shutdown has begun.
var ErrClosing = errors.New("the server is shutting down")

// Options configures a Hub. The zero value works.
type Options struct {
	// History stores the logs. Default: a MemoryHistory of 100,000
	// messages per room.
	History History
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
	// HelpExtra is appended to /help: the view's key bindings, say.
	HelpExtra []string
}

// Hub owns the rooms of one daemon.
type Hub struct {
	opts     Options
	commands []Command
	nextID   atomic.Uint64

	// closing is set under mu and read under each Room's lock, so a join
	// either sees it or is in the member list Shutdown notifies.
	closing atomic.Bool

	mu    sync.Mutex
	rooms map[string]*Room
}

// NewHub returns a Hub with the given options, defaults filled in.
func NewHub(opts Options) *Hub {
	if opts.History == nil {
		opts.History = &MemoryHistory{Limit: 100_000}
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
	return &Hub{opts: opts, commands: defaultCommands(), rooms: make(map[string]*Room)}
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
}

// Join adds a member to the lobby.
func (h *Hub) Join(id Identity) (*Member, error) {
	r, err := h.Room(Lobby)
	if err != nil {
		return nil, err
	}
	return r.join(id)
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
	last, err := h.opts.History.LastSeq(context.Background(), name)
	if err != nil {
		return nil, fmt.Errorf("open room %s: %w", name, err)
	}
	r := newRoom(h, name, last)
	h.rooms[name] = r
	return r, nil
}

// Shutdown refuses further joins and tells every member that the server is
// shutting down; their views show it and close. It does not wait.
func (h *Hub) Shutdown() {
	h.mu.Lock()
	h.closing.Store(true)
	rooms := make([]*Room, 0, len(h.rooms))
	for _, r := range h.rooms {
		rooms = append(rooms, r)
	}
	h.mu.Unlock()
	for _, r := range rooms {
		for _, m := range r.memberList() {
			m.disconnect("server is shutting down")
		}
	}
}

// Commands returns the command table, for completion and help.
func (h *Hub) Commands() []Command {
	return h.commands
}

func (h *Hub) now() time.Time {
	return h.opts.Now()
}
