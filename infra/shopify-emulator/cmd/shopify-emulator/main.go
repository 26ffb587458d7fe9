// Command shopify-emulator serves the local Shopify Admin API emulator.
//
//	go run ./infra/shopify-emulator/cmd/shopify-emulator -addr 127.0.0.1:8081
//
// See infra/shopify-emulator/README.md for shops, tokens and the control API.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	emulator "github.com/flux-platform/flux/infra/shopify-emulator"
)

func main() {
	addr := flag.String("addr", envOr("SHOPIFY_EMULATOR_ADDR", "127.0.0.1:8081"), "listen address")
	seed := flag.Int64("seed", 1, "demo data seed")
	products := flag.Int("products", 520, "products in the source shop")
	maxAvail := flag.Float64("bucket", emulator.DefaultMaximumAvailable, "cost bucket size (maximumAvailable)")
	rate := flag.Float64("restore-rate", emulator.DefaultRestoreRate, "cost restore rate (points/s)")
	defShop := flag.String("default-shop", emulator.SourceShop, "shop for requests that name none")
	secret := flag.String("api-secret", envOr("SHOPIFY_API_SECRET", emulator.DefaultAPISecret), "app secret (webhook HMAC, OAuth)")
	apiKey := flag.String("api-key", envOr("SHOPIFY_API_KEY", emulator.DefaultAPIKey), "app client id (OAuth)")
	flag.Parse()

	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	srv, err := emulator.New(ctx, emulator.Options{Seed: *seed, SourceProducts: *products, MaximumAvailable: *maxAvail,
		RestoreRate: *rate, DefaultShop: *defShop, APISecret: *secret, APIKey: *apiKey, Logger: log})
	if err != nil {
		log.Error("emulator", "err", err)
		os.Exit(1)
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Error("listen", "err", err)
		os.Exit(1)
	}
	// The first line names the address, so scripts and tests can use port 0.
	fmt.Printf("shopify-emulator listening on http://%s\n", ln.Addr())
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(shut)
	}()
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("serve", "err", err)
		os.Exit(1)
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
