package room

import (
	"context"
	"sync"
)

// History stores every room's log beyond the in-memory tail that each Room
// keeps. Implementations must keep messages in Seq order per room and must
// be safe for concurrent use.
type History interface {
	// Append stores m, whose Seq is one more than the last stored for room.
	Append(ctx context.Context, room string, m Message) error
	// After returns up to limit messages of room with Seq > seq, oldest
	// first.
	After(ctx context.Context, room string, seq uint64, limit int) ([]Message, error)
	// LastSeq returns the highest stored Seq of room, 0 if none.
	LastSeq(ctx context.Context, room string) (uint64, error)
}

// MemoryHistory is a History held in memory. It keeps at most Limit messages
// and MaxBytes bytes of text per room (0 means no limit), dropping the
// oldest; a member that falls that far behind is told how many it missed
// rather than losing them silently.
type MemoryHistory struct {
	Limit    int
	MaxBytes int

	mu    sync.RWMutex
	rooms map[string][]Message
	bytes map[string]int
}

// Append implements History.
func (h *MemoryHistory) Append(_ context.Context, room string, m Message) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.rooms == nil {
		h.rooms = make(map[string][]Message)
		h.bytes = make(map[string]int)
	}
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
		log = append([]Message(nil), log[drop:]...)
	}
	h.rooms[room] = log
	return nil
}

// After implements History.
func (h *MemoryHistory) After(_ context.Context, room string, seq uint64, limit int) ([]Message, error) {
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
	return append([]Message(nil), log[start:end]...), nil
}

// LastSeq implements History.
func (h *MemoryHistory) LastSeq(_ context.Context, room string) (uint64, error) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	log := h.rooms[room]
	if len(log) == 0 {
		return 0, nil
	}
	return log[len(log)-1].Seq, nil
}
