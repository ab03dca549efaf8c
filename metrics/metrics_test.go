package metrics_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/metrics"
	"github.com/chatroom/chatroom/metrics/metricstest"
	"github.com/chatroom/chatroom/sshd"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// Metrics is what both the hub and the ssh server report to.
var (
	_ chat.Observer = (*metrics.Metrics)(nil)
	_ sshd.Observer = (*metrics.Metrics)(nil)
)

func serve(t *testing.T, m *metrics.Metrics, health func(context.Context) error) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(m.Handler(health))
	t.Cleanup(srv.Close)
	return srv
}

func ok(context.Context) error { return nil }

func want(t *testing.T, f metricstest.Families, v float64, name string, labels ...string) {
	t.Helper()
	got, found := f.Value(name, labels...)
	if !found || got != v {
		t.Errorf("%s%v = %v (found %v), want %v\n%s", name, labels, got, found, v, f)
	}
}

func TestScrapeShowsWhatWasObserved(t *testing.T) {
	m := metrics.New()
	srv := serve(t, m, ok)

	// Before anything happens, the message kinds are there at 0, so a
	// rate() over them starts from the first scrape.
	f := metricstest.Scrape(t, srv.URL+"/metrics")
	want(t, f, 0, "chatroom_messages_posted_total", "kind", "chat")
	want(t, f, 0, "chatroom_deliveries_total")

	m.Sessions(sshd.SessionFullScreen, 1)
	m.Sessions(sshd.SessionFullScreen, 1)
	m.Sessions(sshd.SessionFullScreen, -1)
	m.Sessions("line", 1)
	m.Posted(message.Chat)
	m.Posted(message.Chat)
	m.Posted(message.Action)
	m.Posted(message.NickChange)
	m.Posted(message.Kind(200)) // a kind this package does not know yet
	m.Delivered(3)
	m.Delivered(4)
	m.Lag(1)
	m.Lag(1)
	m.Lag(700)
	m.Refused(chat.RefusedRateLimit)
	m.Refused(chat.RefusedRateLimit)
	m.Refused(sshd.RefusedServerFull)
	m.StoreWrite(120 * time.Microsecond)
	m.StoreWrite(2 * time.Second)

	f = metricstest.Scrape(t, srv.URL+"/metrics")
	want(t, f, 1, "chatroom_sessions", "kind", "full-screen")
	want(t, f, 1, "chatroom_sessions", "kind", "line")
	want(t, f, 2, "chatroom_messages_posted_total", "kind", "chat")
	want(t, f, 1, "chatroom_messages_posted_total", "kind", "action")
	want(t, f, 1, "chatroom_messages_posted_total", "kind", "nick")
	want(t, f, 1, "chatroom_messages_posted_total", "kind", "other")
	want(t, f, 7, "chatroom_deliveries_total")
	want(t, f, 2, "chatroom_refusals_total", "reason", "rate_limit")
	want(t, f, 1, "chatroom_refusals_total", "reason", "server_full")

	lag := f.Histogram("chatroom_read_lag_messages")
	if lag == nil || lag.GetSampleCount() != 3 || lag.GetSampleSum() != 702 {
		t.Fatalf("lag histogram: %v", lag)
	}
	for _, b := range lag.Bucket {
		wantCount := uint64(2) // the two 1s are in every bucket
		if b.GetUpperBound() >= 700 {
			wantCount = 3
		}
		if b.GetCumulativeCount() != wantCount {
			t.Errorf("lag bucket le=%v holds %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), wantCount)
		}
	}
	writes := f.Histogram("chatroom_store_write_seconds")
	if writes == nil || writes.GetSampleCount() != 2 || writes.GetSampleSum() < 2 || writes.GetSampleSum() > 2.001 {
		t.Fatalf("store write histogram: %v", writes)
	}
	if _, found := f.Value("go_goroutines"); !found {
		t.Error("no Go runtime metrics")
	}
}

// Each Metrics has its own registry: two count apart, and neither
// touches the global one.
func TestTwoMetricsDoNotCollide(t *testing.T) {
	a, b := metrics.New(), metrics.New()
	a.Posted(message.Chat)
	fa := metricstest.Scrape(t, serve(t, a, ok).URL+"/metrics")
	fb := metricstest.Scrape(t, serve(t, b, ok).URL+"/metrics")
	want(t, fa, 1, "chatroom_messages_posted_total", "kind", "chat")
	want(t, fb, 0, "chatroom_messages_posted_total", "kind", "chat")
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func TestHealthz(t *testing.T) {
	var (
		mu     sync.Mutex
		health error
	)
	srv := serve(t, metrics.New(), func(ctx context.Context) error {
		if _, ok := ctx.Deadline(); !ok {
			return errors.New("the check was given no deadline")
		}
		mu.Lock()
		defer mu.Unlock()
		return health
	})
	if code, body := get(t, srv.URL+"/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Fatalf("healthy: %d %q", code, body)
	}
	mu.Lock()
	health = errors.New("store writes failing since 2026-11-25T12:00:00Z")
	mu.Unlock()
	if code, body := get(t, srv.URL+"/healthz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "store writes failing") {
		t.Fatalf("unhealthy: %d %q", code, body)
	}
	if code, _ := get(t, srv.URL+"/nothing"); code != http.StatusNotFound {
		t.Fatalf("/nothing: %d", code)
	}
}

// The message path's calls allocate nothing.
func TestHotPathDoesNotAllocate(t *testing.T) {
	m := metrics.New()
	if n := testing.AllocsPerRun(1000, func() {
		m.Posted(message.Chat)
		m.Delivered(5)
		m.Lag(3)
	}); n != 0 {
		t.Fatalf("%v allocations per line", n)
	}
}

func BenchmarkHotPath(b *testing.B) {
	m := metrics.New()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Posted(message.Chat)
			m.Delivered(5)
			m.Lag(3)
		}
	})
}
