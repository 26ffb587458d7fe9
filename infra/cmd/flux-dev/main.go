// Command flux-dev is `make dev`: all of Flux on one machine, no AWS account.
//
// It starts DynamoDB Local (data persisted under .local/dynamodb) and
// moto_server (SQS, S3, KMS, ... in memory) and the Shopify emulator
// (infra/shopify-emulator, in process), creates the resources of
// template.yaml in them, seeds a demo tenant and a second tenant with API keys
// (.local/demo-api-key, .local/second-tenant-api-key), and serves the API as
// API Gateway would, with the real functions linked in (infra/dev).
// Ctrl-C stops the server, the pollers and the emulators.
//
// Environment:
//
//	FLUX_PORT            API port (3000)
//	FLUX_DYNAMODB_PORT   DynamoDB Local port (8000)
//	FLUX_MOTO_PORT       moto_server port (4566)
//	FLUX_SHOPIFY_PORT    Shopify emulator port (3100)
//	SHOPIFY_API_KEY      Shopify app client id (default: a fixed local value)
//	SHOPIFY_API_SECRET   Shopify app client secret (default: a fixed local value)
//	LOG_LEVEL            debug, info (default), warn, error
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/flux-platform/flux/infra/dev"
	emulator "github.com/flux-platform/flux/infra/shopify-emulator"
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: logLevel()}))
	slog.SetDefault(log)
	if err := run(log); err != nil {
		fmt.Fprintln(os.Stderr, "flux-dev:", err)
		os.Exit(1)
	}
}

func logLevel() slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(os.Getenv("LOG_LEVEL"))); err != nil {
		return slog.LevelInfo
	}
	return l
}

// stopper is something started that must be stopped on the way out, in
// reverse order: emulators (DynamoDB Local, moto, later the Shopify
// emulator) and the stack itself.
type stopper struct {
	name string
	stop func(context.Context) error
}

func run(log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	root, err := repoRoot()
	if err != nil {
		return err
	}
	apiPort, err := port("FLUX_PORT", 3000)
	if err != nil {
		return err
	}
	ddbPort, err := port("FLUX_DYNAMODB_PORT", 8000)
	if err != nil {
		return err
	}
	motoPort, err := port("FLUX_MOTO_PORT", 4566)
	if err != nil {
		return err
	}
	shopifyPort, err := port("FLUX_SHOPIFY_PORT", 3100)
	if err != nil {
		return err
	}
	local := filepath.Join(root, ".local")
	if err := os.MkdirAll(local, 0o700); err != nil {
		return err
	}

	var stoppers []stopper
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		for i := len(stoppers) - 1; i >= 0; i-- {
			if err := stoppers[i].stop(sctx); err != nil {
				log.Warn("stop "+stoppers[i].name, "error", err)
			}
		}
		log.Info("stopped")
	}()

	log.Info("starting DynamoDB Local", "port", ddbPort, "data", filepath.Join(local, "dynamodb"))
	ddb, err := dev.StartDynamoDBLocal(ctx, dev.DynamoDBLocalOptions{
		Dir:     filepath.Join(root, ".tools", "dynamodb-local"),
		Port:    ddbPort,
		DBPath:  filepath.Join(local, "dynamodb"),
		LogFile: filepath.Join(local, "logs", "dynamodb.log"),
	})
	if err != nil {
		return err
	}
	stoppers = append(stoppers, stopper{"DynamoDB Local", ddb.Stop})

	log.Info("starting moto_server", "port", motoPort)
	moto, err := dev.StartMoto(ctx, dev.MotoOptions{Port: motoPort, LogFile: filepath.Join(local, "logs", "moto.log")})
	if err != nil {
		return err
	}
	stoppers = append(stoppers, stopper{"moto_server", moto.Stop})

	// The Shopify emulator, in process: the demo shops the seed puts in the
	// tenants' groups, signing OAuth redirects and webhooks with the local
	// app's secret.
	shop, err := emulator.New(ctx, emulator.Options{
		APIKey: envOr("SHOPIFY_API_KEY", dev.LocalShopifyAPIKey), APISecret: envOr("SHOPIFY_API_SECRET", dev.LocalShopifyAPISecret),
		Logger: log.With("component", "shopify-emulator"),
	})
	if err != nil {
		return fmt.Errorf("shopify emulator: %w", err)
	}
	shopLn, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(shopifyPort))
	if err != nil {
		return fmt.Errorf("shopify emulator: %w", err)
	}
	shopSrv := &http.Server{Handler: shop, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = shopSrv.Serve(shopLn) }()
	stoppers = append(stoppers, stopper{"Shopify emulator", shopSrv.Shutdown})
	shopifyURL := "http://" + shopLn.Addr().String()
	log.Info("Shopify emulator", "url", shopifyURL)

	tokenKey, err := dev.LoadOrCreateTokenKey(filepath.Join(local, "token-key"))
	if err != nil {
		return err
	}
	localShopify := dev.LocalShopify{BaseURL: shopifyURL + "/store/{shop}", TokenKey: tokenKey}
	stackEnv := localShopify.Env()
	stackEnv["SHOPIFY_API_KEY"] = envOr("SHOPIFY_API_KEY", dev.LocalShopifyAPIKey)
	stackEnv["SHOPIFY_API_SECRET"] = envOr("SHOPIFY_API_SECRET", dev.LocalShopifyAPISecret)

	endpoints := dev.Endpoints{DynamoDB: ddb.Endpoint, AWS: moto.Endpoint}
	// Anything in this process that loads its AWS config from the
	// environment (awsenv.Load) reaches the emulators too.
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_DYNAMODB": endpoints.DynamoDB,
		"AWS_ENDPOINT_URL_SQS":      endpoints.AWS,
		"AWS_ENDPOINT_URL_S3":       endpoints.AWS,
		"AWS_ENDPOINT_URL_KMS":      endpoints.AWS,
		"AWS_ACCESS_KEY_ID":         "test",
		"AWS_SECRET_ACCESS_KEY":     "test",
		"AWS_REGION":                dev.LocalRegion,
	} {
		os.Setenv(k, v)
	}
	os.Unsetenv("AWS_PROFILE")
	os.Unsetenv("AWS_SESSION_TOKEN")
	cfg, err := dev.LocalAWS(ctx, endpoints)
	if err != nil {
		return err
	}

	stack, err := dev.Start(ctx, dev.Options{
		TemplatePath: filepath.Join(root, "template.yaml"),
		AWS:          cfg,
		Names:        dev.Names{Table: "flux-local", Prefix: "flux-local-"},
		Env:          stackEnv,
		Addr:         "127.0.0.1:" + strconv.Itoa(apiPort),
		Log:          log,
	})
	if err != nil {
		return err
	}
	stoppers = append(stoppers, stopper{"API", stack.Close})

	keys, err := dev.Seed(ctx, dev.NewSeedStore(cfg, stack.TableName()), local, dev.DemoTenants())
	if err != nil {
		return err
	}
	// The demo stores are connected as an install would connect them: the
	// emulator's tokens, sealed, in the table (kept across restarts).
	if n, err := dev.ConnectShops(ctx, cfg, stack.TableName(), tokenKey, dev.EmulatorConnections()); err != nil {
		return err
	} else if n > 0 {
		log.Info("connected demo stores to the Shopify emulator", "stores", n)
	}
	banner(stack, keys)

	select {
	case <-ctx.Done():
		log.Info("shutting down")
		return nil
	case <-stack.Served():
		return fmt.Errorf("API server stopped: %v", stack.ServeErr())
	case <-ddb.Done():
		return errors.New("DynamoDB Local exited (see .local/logs/dynamodb.log)")
	case <-moto.Done():
		return errors.New("moto_server exited (see .local/logs/moto.log)")
	}
}

func banner(stack *dev.Stack, keys []dev.SeededKey) {
	var b strings.Builder
	fmt.Fprintf(&b, "\nFlux is running locally.\n\n  API      %s\n", stack.URL)
	for _, l := range stack.Describe() {
		fmt.Fprintf(&b, "           %s\n", l)
	}
	var demo string
	for _, k := range keys {
		state := "new"
		if k.Reused {
			state = "kept"
		}
		rel := k.Path
		if wd, err := os.Getwd(); err == nil {
			if r, err := filepath.Rel(wd, k.Path); err == nil {
				rel = r
			}
		}
		fmt.Fprintf(&b, "  key      tenant %-7s %s (%s, in %s)\n", k.TenantID, k.Secret, state, rel)
		if k.TenantID == "demo" {
			demo = k.Secret
		}
	}
	fmt.Fprintf(&b, "\nTry:\n  curl -s %s/api/graphql \\\n    -H \"Authorization: Bearer %s\" \\\n    -H 'Content-Type: application/json' \\\n    -d '{\"query\":\"{ config { storeGroup { name stores { domain classification } } } }\"}'\n\nCtrl-C stops everything; data stays in .local/.\n\n", stack.URL, demo)
	fmt.Print(b.String())
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "template.yaml")); err == nil {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				return dir, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run from the Flux repository (no template.yaml and go.mod found above the working directory)")
		}
		dir = parent
	}
}

func port(name string, def int) (int, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	p, err := strconv.Atoi(v)
	if err != nil || p <= 0 || p > 65535 {
		return 0, fmt.Errorf("%s=%q is not a port number", name, v)
	}
	return p, nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
