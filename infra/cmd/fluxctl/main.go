// Command fluxctl is the operator CLI: create tenants, issue and revoke API
// keys, manage a tenant's stores, and create the table locally. It works
// against DynamoDB Local (--endpoint or AWS_ENDPOINT_URL_DYNAMODB) or a
// deployed table with the normal AWS configuration (profile, SSO, role...).
//
//	fluxctl [--table T] [--endpoint URL] <command> [flags]
//
// Commands:
//
//	tenant create --id ID --name NAME [--group-name NAME]
//	tenant get    --id ID
//	tenant list
//	key issue     --tenant ID --name NAME [--scopes a,b | all]
//	key list      --tenant ID [--json]
//	key revoke    --tenant ID --id KEY_ID
//	store add     --tenant ID --domain SHOP --classification SOURCE|QA|RELEASE_CANDIDATE|PRODUCTION
//	store remove  --tenant ID --domain SHOP
//	store list    --tenant ID
//	group name    --tenant ID --name NAME
//	table create
//
// `key issue` prints the secret, and only the secret, on stdout, once: it
// cannot be shown again. Everything else it says goes to stderr.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
