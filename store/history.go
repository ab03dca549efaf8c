package store

import (
	"context"
	"time"

	"github.com/chatroom/chatroom/chat/message"
)

// History stores every room's log beyond the in-memory tail that each Room
// keeps. Implementations must keep messages in Seq order per room and must
// be safe for concurrent use.
type History interface {
	// Append stores m, whose Seq is one more than the last stored for room.
	Append(ctx context.Context, room string, m message.Message) error
	// After returns up to limit messages of room with Seq > seq, oldest
	// first.
	After(ctx context.Context, room string, seq uint64, limit int) ([]message.Message, error)
	// LastSeq returns the highest Seq room has had, even if pruned since;
	// 0 if none (or the room was deleted).
	LastSeq(ctx context.Context, room string) (uint64, error)
	// Before returns up to limit messages of room with Seq < seq, oldest
	// first: the ones just before seq.
	Before(ctx context.Context, room string, seq uint64, limit int) ([]message.Message, error)
	// Search returns up to limit messages of room whose text matches
	// query, newest first, from those with Seq < before (0: from the
	// newest), so that a caller pages back from the oldest it has shown;
	// and how many messages of room match in all.
	Search(ctx context.Context, room, query string, before uint64, limit int) (found []message.Message, total int, err error)
	// Prune deletes messages of room older than before (if not zero) and
	// all but the last keep (if keep > 0). It returns how many it deleted.
	Prune(ctx context.Context, room string, before time.Time, keep int) (int, error)
	// Rooms returns the names of the rooms that have messages.
	Rooms(ctx context.Context) ([]string, error)
	// Spoken reports whether room holds a message someone said (Chat or
	// Action), rather than only join, leave and server lines.
	Spoken(ctx context.Context, room string) (bool, error)
	// DeleteRoom deletes all of room's messages.
	DeleteRoom(ctx context.Context, room string) error
}
