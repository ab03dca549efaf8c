package chat_test

import (
	"testing"

	"github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/store/storetest"
)

func TestMemoryStoreContract(t *testing.T) {
	storetest.Run(t, func(*testing.T) chat.Store { return &chat.MemoryStore{} }, nil)
}

func TestMemoryHistoryContract(t *testing.T) {
	storetest.RunHistory(t, func(*testing.T) chat.History { return &chat.MemoryHistory{} }, nil)
}
