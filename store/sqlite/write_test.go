package sqlite

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/store"
)

// Writes of every kind at once, from rooms posting at once and sessions
// saving where they read: one at a time through writeMu, none refused as
// busy, none lost, none waiting on another for good.
func TestWritesAtOnceAllLand(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	const rooms, lines = 4, 50
	var wg sync.WaitGroup
	errs := make(chan error, rooms*lines*3)
	for r := range rooms {
		name := fmt.Sprintf("r%d", r)
		key := fmt.Sprintf("SHA256:k%d", r)
		if err := db.PutMembership(ctx, key, store.Membership{Room: name}); err != nil {
			t.Fatal(err)
		}
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range lines {
				m := message.Message{Seq: uint64(i + 1), Time: time.Now(), Kind: message.Chat, Nick: "n", Author: key, Text: "x"}
				if err := db.Append(ctx, name, m); err != nil {
					errs <- err
				}
			}
		}()
		go func() {
			defer wg.Done()
			for i := range lines {
				if err := db.SaveRead(ctx, key, name, uint64(i)); err != nil {
					errs <- err
				}
				if err := db.PutRoomInfo(ctx, store.RoomInfo{Name: name + "x"}); err != nil {
					errs <- err
				}
				if err := db.DeleteRoomInfo(ctx, name+"x"); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for r := range rooms {
		if last, err := db.LastSeq(ctx, fmt.Sprintf("r%d", r)); err != nil || last != lines {
			t.Errorf("room r%d: last seq %d, %v; want %d", r, last, err, lines)
		}
	}
}
