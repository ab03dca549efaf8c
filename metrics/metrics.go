// Package metrics counts what the chat does and serves it to Prometheus,
// with a health check beside it. It implements chat.Observer and
// sshd.Observer, so the chat's own packages know nothing of Prometheus;
// each Metrics has a registry of its own, never the global one, so
// several in one process (tests, several hubs) do not collide.
package metrics

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/chatroom/chatroom/chat/message"
)

// Metrics holds chatroom's metrics. Its methods are safe for concurrent
// use, and those the message path calls (Posted, Delivered, Lag) are an
// atomic add or two: no lock, no allocation.
type Metrics struct {
	reg *prometheus.Registry

	sessions   *prometheus.GaugeVec
	posted     *prometheus.CounterVec
	postedKind []prometheus.Counter // by message.Kind, resolved once: no label lookup per line
	delivered  prometheus.Counter
	lag        prometheus.Histogram
	refused    *prometheus.CounterVec
	storeWrite prometheus.Histogram
}

// kindNames are the label values of room's message kinds, by Kind.
var kindNames = [...]string{
	message.Chat:         "chat",
	message.Action:       "action",
	message.Join:         "join",
	message.Leave:        "leave",
	message.NickChange:   "nick",
	message.Notice:       "notice",
	message.Error:        "error",
	message.Announcement: "announcement",
}

// New returns chatroom's metrics, all at zero, in a registry of their own
// with Go's runtime and process metrics beside them.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		sessions: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "chatroom_sessions",
			Help: "Sessions open now, by kind (full-screen, ...).",
		}, []string{"kind"}),
		posted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chatroom_messages_posted_total",
			Help: "Lines stored in a room's log, by kind (chat, action, join, leave, nick, announcement).",
		}, []string{"kind"}),
		delivered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "chatroom_deliveries_total",
			Help: "Lines handed to members' views: each line once for every member shown it, private lines included.",
		}),
		lag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "chatroom_read_lag_messages",
			Help: "How many lines a member was behind the room's last one when its view read something new " +
				"(the room it was furthest behind in); 1 is keeping up.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 13), // 1 to 4096
		}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chatroom_refusals_total",
			Help: "Things refused, by reason: rate limits, mutes, bans, connection and session limits.",
		}, []string{"reason"}),
		storeWrite: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "chatroom_store_write_seconds",
			Help: "How long each write to the database took (messages, read positions, nicks, bans...).",
			// 50 µs to 13 s: a message on a quiet disk to a disk in trouble.
			Buckets: prometheus.ExponentialBuckets(50e-6, 4, 10),
		}),
	}
	m.postedKind = make([]prometheus.Counter, len(kindNames))
	for k, name := range kindNames {
		m.postedKind[k] = m.posted.WithLabelValues(name)
	}
	m.reg.MustRegister(m.sessions, m.posted, m.delivered, m.lag, m.refused, m.storeWrite,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Posted implements chat.Observer.
func (m *Metrics) Posted(kind message.Kind) {
	if int(kind) < len(m.postedKind) {
		m.postedKind[kind].Inc()
		return
	}
	m.posted.WithLabelValues("other").Inc() // a kind added to room and not here
}

// Delivered implements chat.Observer.
func (m *Metrics) Delivered(n int) { m.delivered.Add(float64(n)) }

// Lag implements chat.Observer.
func (m *Metrics) Lag(behind uint64) { m.lag.Observe(float64(behind)) }

// Refused implements chat.Observer and sshd.Observer.
func (m *Metrics) Refused(reason string) { m.refused.WithLabelValues(reason).Inc() }

// StoreWrite implements chat.Observer.
func (m *Metrics) StoreWrite(took time.Duration) { m.storeWrite.Observe(took.Seconds()) }

// Sessions implements sshd.Observer.
func (m *Metrics) Sessions(kind string, delta int) {
	m.sessions.WithLabelValues(kind).Add(float64(delta))
}

// healthTimeout bounds a health check: a store that takes longer to
// answer is as good as down.
const healthTimeout = 2 * time.Second

// Handler serves the metrics at /metrics, and at /healthz "ok" (200) while
// health returns nil, the reason it gives otherwise (503). health is
// typically chat.Hub.Health.
func (m *Metrics) Handler(health func(context.Context) error) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if err := health(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(err.Error() + "\n"))
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	return mux
}
