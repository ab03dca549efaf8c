package room_test

import (
	"testing"

	"github.com/chatroom/chatroom/room"
	"github.com/chatroom/chatroom/room/storetest"
)

func TestMemoryStoreContract(t *testing.T) {
	storetest.Run(t, func(*testing.T) room.Store { return &room.MemoryStore{} }, nil)
}

func TestMemoryHistoryContract(t *testing.T) {
	storetest.RunHistory(t, func(*testing.T) room.History { return &room.MemoryHistory{} }, nil)
}
