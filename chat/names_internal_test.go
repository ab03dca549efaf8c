package chat

import (
	"fmt"
	"testing"
)

// BenchmarkLookAlikeRoom measures the check made before a room is made,
// here among 1,000 rooms: it looks up the new name's forms, whatever the
// number of rooms.
func BenchmarkLookAlikeRoom(b *testing.B) {
	h, err := NewHub(Options{})
	if err != nil {
		b.Fatal(err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := range 1000 {
		h.indexRoomLocked(fmt.Sprintf("room-%d", i))
	}
	for b.Loop() {
		if like := h.lookAlikeRoomLocked("новая"); like != "" {
			b.Fatal(like)
		}
	}
}
