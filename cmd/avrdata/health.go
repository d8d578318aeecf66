package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// readyTimeout bounds the database check of /readyz.
const readyTimeout = 3 * time.Second

// shutdownTimeout bounds how long the HTTP server waits for requests in
// flight when the daemon stops.
const shutdownTimeout = 10 * time.Second

// handler serves the daemon's HTTP endpoints:
//
//	/healthz  200 while the process runs
//	/readyz   200 when the database answers and the keys are open, else 503
//	/metrics  Prometheus metrics
func (d *daemon) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", d.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(d.metrics.registry, promhttp.HandlerOpts{
		ErrorLog: slogPrinter{d.logger("http")},
	}))
	return mux
}

// readyz answers 200 when the store is open (migrated, keys open) and the
// database answers now; 503 with the reason otherwise.
func (d *daemon) readyz(w http.ResponseWriter, r *http.Request) {
	if d.store.Load() == nil {
		http.Error(w, "not ready: starting (migrations, keys)", http.StatusServiceUnavailable)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := d.pool.Ping(ctx); err != nil {
		d.log.Warn("readiness check: database does not answer", "error", err)
		http.Error(w, "not ready: database does not answer", http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ready")
}

// slogPrinter gives promhttp's error log to slog.
type slogPrinter struct{ log *slog.Logger }

func (p slogPrinter) Println(v ...any) {
	p.log.Error("serve metrics", "error", fmt.Sprint(v...))
}

// webServer is the daemon's HTTP server and the end of its Serve.
type webServer struct {
	srv  *http.Server
	done <-chan struct{}
}

// shutdown stops the server, waiting a while for requests in flight.
func (w webServer) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if w.srv.Shutdown(ctx) != nil {
		w.srv.Close()
	}
	<-w.done
}

// serveHTTP serves the endpoints on ln until shutdown; a server that
// fails stops the daemon through stop.
func (d *daemon) serveHTTP(ln net.Listener, stop context.CancelCauseFunc) webServer {
	srv := &http.Server{
		Handler:           d.handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(d.logger("http").Handler(), slog.LevelWarn),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			stop(fmt.Errorf("serve http on %s: %w", ln.Addr(), err))
		}
	}()
	d.log.Info("listening", "addr", ln.Addr().String())
	return webServer{srv: srv, done: done}
}
