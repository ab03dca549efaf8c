package memory_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chatroom/chatroom/chat/message"

	"github.com/chatroom/chatroom/store"
	"github.com/chatroom/chatroom/store/memory"
	"github.com/chatroom/chatroom/store/storetest"
)

func TestMemoryStoreContract(t *testing.T) {
	storetest.Run(t, func(*testing.T) store.Store { return &memory.Store{} }, nil)
}

func TestMemoryHistoryContract(t *testing.T) {
	storetest.RunHistory(t, func(*testing.T) store.History { return &memory.History{} }, nil)
}

func TestMemoryHistoryByteLimit(t *testing.T) {
	h := &memory.History{MaxBytes: 1000}
	for i := uint64(1); i <= 100; i++ {
		if err := h.Append(context.Background(), "r", message.Message{Seq: i, Text: strings.Repeat("x", 100)}); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := h.After(context.Background(), "r", 0, 0)
	if n := len(got); n < 10 || n > 13 || got[len(got)-1].Seq != 100 {
		t.Fatalf("kept %d messages ending at %d; want about 1000 bytes' worth, the newest", n, got[len(got)-1].Seq)
	}
}
