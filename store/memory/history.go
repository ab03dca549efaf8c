package memory

import (
	"context"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/store"
)

// History is a store.History held in memory. It keeps at most Limit messages
// and MaxBytes bytes of text per room (0 means no limit), dropping the
// oldest; a member that falls that far behind is told how many it missed
// rather than losing them silently.
type History struct {
	Limit    int
	MaxBytes int

	mu    sync.RWMutex
	rooms map[string][]message.Message
	bytes map[string]int
	last  map[string]uint64
}

// Append implements store.History.
func (h *History) Append(_ context.Context, room string, m message.Message) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.rooms == nil {
		h.rooms = make(map[string][]message.Message)
		h.bytes = make(map[string]int)
		h.last = make(map[string]uint64)
	}
	h.last[room] = max(h.last[room], m.Seq)
	log := append(h.rooms[room], m)
	h.bytes[room] += len(m.Text)
	drop := 0
	if h.Limit > 0 && len(log) > h.Limit+h.Limit/4 {
		drop = len(log) - h.Limit
	}
	if h.MaxBytes > 0 && h.bytes[room] > h.MaxBytes+h.MaxBytes/4 {
		// Drop in chunks so appending stays amortised O(1).
		for b := h.bytes[room]; drop < len(log)-1 && b > h.MaxBytes; drop++ {
			b -= len(log[drop].Text)
		}
	}
	if drop > 0 {
		for _, old := range log[:drop] {
			h.bytes[room] -= len(old.Text)
		}
		log = append([]message.Message(nil), log[drop:]...)
	}
	h.rooms[room] = log
	return nil
}

// After implements store.History.
func (h *History) After(_ context.Context, room string, seq uint64, limit int) ([]message.Message, error) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	log := h.rooms[room]
	if h.Limit > 0 && len(log) > h.Limit {
		log = log[len(log)-h.Limit:]
	}
	if len(log) == 0 || log[len(log)-1].Seq <= seq {
		return nil, nil
	}
	// Seqs are dense within what is kept, so the index is arithmetic.
	start := 0
	if first := log[0].Seq; seq >= first {
		start = int(seq - first + 1)
	}
	end := len(log)
	if limit > 0 && end-start > limit {
		end = start + limit
	}
	return append([]message.Message(nil), log[start:end]...), nil
}

// Before implements store.History.
func (h *History) Before(_ context.Context, room string, seq uint64, limit int) ([]message.Message, error) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	log := h.rooms[room]
	end := sort.Search(len(log), func(i int) bool { return log[i].Seq >= seq })
	start := 0
	if limit > 0 {
		start = max(0, end-limit)
	}
	return append([]message.Message(nil), log[start:end]...), nil
}

// Search implements History: a message matches when it holds every word
// of the query, whatever the case.
func (h *History) Search(_ context.Context, room, query string, before uint64, limit int) ([]message.Message, int, error) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	words := strings.Fields(strings.ToLower(query))
	if len(words) == 0 {
		return nil, 0, nil
	}
	var out []message.Message
	total := 0
	log := h.rooms[room]
	for i := len(log) - 1; i >= 0; i-- {
		text := strings.ToLower(log[i].Text)
		if (log[i].Kind != message.Chat && log[i].Kind != message.Action) || slices.ContainsFunc(words, func(w string) bool { return !strings.Contains(text, w) }) {
			continue
		}
		total++
		if (before == 0 || log[i].Seq < before) && (limit <= 0 || len(out) < limit) {
			out = append(out, log[i])
		}
	}
	return out, total, nil
}

// Prune implements store.History.
func (h *History) Prune(_ context.Context, room string, before time.Time, keep int) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	log := h.rooms[room]
	drop := 0
	if keep > 0 && len(log) > keep {
		drop = len(log) - keep
	}
	for !before.IsZero() && drop < len(log) && log[drop].Time.Before(before) {
		drop++
	}
	if drop == 0 {
		return 0, nil
	}
	for _, m := range log[:drop] {
		h.bytes[room] -= len(m.Text)
	}
	h.rooms[room] = append([]message.Message(nil), log[drop:]...)
	return drop, nil
}

// Rooms implements store.History.
func (h *History) Rooms(context.Context) ([]string, error) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var out []string
	for name, log := range h.rooms {
		if len(log) > 0 {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out, nil
}

// Spoken implements store.History.
func (h *History) Spoken(_ context.Context, room string) (bool, error) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return slices.ContainsFunc(h.rooms[room], func(m message.Message) bool { return m.Kind == message.Chat || m.Kind == message.Action }), nil
}

// DeleteRoom implements store.History.
func (h *History) DeleteRoom(_ context.Context, room string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.rooms, room)
	delete(h.bytes, room)
	delete(h.last, room)
	return nil
}

// LastSeq implements store.History.
func (h *History) LastSeq(_ context.Context, room string) (uint64, error) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.last[room], nil
}

var _ store.History = (*History)(nil)
