package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/platform/awsenv"
	"github.com/flux-platform/flux/shared/store"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the operation failed
	exitUsage = 2 // the command line is wrong
)

// globals are the flags every command takes.
type globals struct {
	table    string
	endpoint string
}

// env is what a command runs with.
type env struct {
	globals
	stdout, stderr io.Writer
	fs             *flag.FlagSet
}

// usageError is a command-line mistake: exit 2 and show usage.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

type command struct {
	group, verb string
	synopsis    string
	// flags registers the command's flags and returns what runs it.
	flags func(fs *flag.FlagSet) func(ctx context.Context, e *env) error
}

func (c command) name() string { return c.group + " " + c.verb }

var commands = []command{
	{"tenant", "create", "--id ID --name NAME [--group-name NAME]", tenantCreate},
	{"tenant", "get", "--id ID", tenantGet},
	{"tenant", "list", "", tenantList},
	{"key", "issue", "--tenant ID --name NAME [--scopes a,b | all]", keyIssue},
	{"key", "list", "--tenant ID [--json]", keyList},
	{"key", "revoke", "--tenant ID --id KEY_ID", keyRevoke},
	{"store", "add", "--tenant ID --domain SHOP --classification SOURCE|QA|RELEASE_CANDIDATE|PRODUCTION", storeAdd},
	{"store", "remove", "--tenant ID --domain SHOP", storeRemove},
	{"store", "list", "--tenant ID", storeList},
	{"group", "name", "--tenant ID --name NAME", groupName},
	{"table", "create", "", tableCreate},
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: fluxctl [--table NAME] [--endpoint URL] <command> [flags]")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-14s %s\n", c.name(), c.synopsis)
	}
	fmt.Fprintln(w, "\nglobal flags (also accepted after the command):")
	fmt.Fprintln(w, "  --table     table name (env TABLE_NAME)")
	fmt.Fprintln(w, "  --endpoint  DynamoDB endpoint, e.g. http://localhost:8000 (env AWS_ENDPOINT_URL_DYNAMODB);")
	fmt.Fprintln(w, "              without it the normal AWS configuration is used")
}

func addGlobalFlags(fs *flag.FlagSet, g *globals) {
	fs.StringVar(&g.table, "table", g.table, "table name (env TABLE_NAME)")
	fs.StringVar(&g.endpoint, "endpoint", g.endpoint, "DynamoDB endpoint URL (env AWS_ENDPOINT_URL_DYNAMODB)")
}

// run is fluxctl: it parses args, runs one command and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	g := globals{table: os.Getenv("TABLE_NAME"), endpoint: os.Getenv("AWS_ENDPOINT_URL_DYNAMODB")}
	top := flag.NewFlagSet("fluxctl", flag.ContinueOnError)
	top.SetOutput(io.Discard)
	addGlobalFlags(top, &g)
	if err := top.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(stdout)
			return exitOK
		}
		fmt.Fprintf(stderr, "fluxctl: %v\n\n", err)
		usage(stderr)
		return exitUsage
	}
	rest := top.Args()
	if len(rest) == 1 && rest[0] == "help" {
		usage(stdout)
		return exitOK
	}
	if len(rest) < 2 {
		fmt.Fprintln(stderr, "fluxctl: missing command")
		fmt.Fprintln(stderr)
		usage(stderr)
		return exitUsage
	}
	var cmd *command
	for i := range commands {
		if commands[i].group == rest[0] && commands[i].verb == rest[1] {
			cmd = &commands[i]
		}
	}
	if cmd == nil {
		fmt.Fprintf(stderr, "fluxctl: unknown command %q\n\n", rest[0]+" "+rest[1])
		usage(stderr)
		return exitUsage
	}

	fs := flag.NewFlagSet("fluxctl "+cmd.name(), flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: fluxctl %s %s\n", cmd.name(), cmd.synopsis)
		fs.PrintDefaults()
	}
	e := &env{globals: g, stdout: stdout, stderr: stderr, fs: fs}
	addGlobalFlags(fs, &e.globals)
	exec := cmd.flags(fs)
	if err := fs.Parse(rest[2:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "fluxctl %s: unexpected argument %q\n", cmd.name(), fs.Arg(0))
		fs.Usage()
		return exitUsage
	}
	if err := exec(ctx, e); err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "fluxctl %s: %s\n", cmd.name(), ue.msg)
			fs.Usage()
			return exitUsage
		}
		fmt.Fprintf(stderr, "fluxctl %s: %s\n", cmd.name(), describe(err))
		return exitError
	}
	return exitOK
}

// describe is an error as an operator should read it: the domain message
// for classified errors (tenant exists, shop belongs to another tenant...),
// the whole chain for anything else so the cause can be fixed.
func describe(err error) string {
	var pe *platform.Error
	if errors.As(err, &pe) && pe.Kind != platform.KindInternal {
		return pe.Message
	}
	return err.Error()
}

// required fails with a usage error naming every missing flag.
func required(flags map[string]string) error {
	var missing []string
	for _, name := range []string{"id", "tenant", "name", "domain", "classification"} {
		if v, ok := flags[name]; ok && strings.TrimSpace(v) == "" {
			missing = append(missing, "--"+name)
		}
	}
	if len(missing) > 0 {
		return usageError{strings.Join(missing, ", ") + " required"}
	}
	return nil
}

// open connects to the table: the normal AWS configuration (awsenv.Load),
// with --endpoint overriding the DynamoDB endpoint. A loopback endpoint with
// no credentials configured gets DynamoDB Local's dummy ones.
func (e *env) open(ctx context.Context) (*dynamodb.Client, error) {
	if e.table == "" {
		return nil, usageError{"no table: set --table or TABLE_NAME"}
	}
	cfg, err := awsenv.Load(ctx)
	if err != nil {
		return nil, err
	}
	local := false
	if e.endpoint != "" {
		u, err := url.Parse(e.endpoint)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, usageError{fmt.Sprintf("--endpoint %q is not a URL such as http://localhost:8000", e.endpoint)}
		}
		host := u.Hostname()
		ip := net.ParseIP(host)
		local = host == "localhost" || (ip != nil && ip.IsLoopback())
	}
	if local {
		if cfg.Region == "" {
			cfg.Region = "us-east-1"
		}
		if os.Getenv("AWS_ACCESS_KEY_ID") == "" && os.Getenv("AWS_PROFILE") == "" {
			cfg.Credentials = credentials.NewStaticCredentialsProvider("test", "test", "")
		}
	}
	if cfg.Region == "" {
		return nil, errors.New("no AWS region: set AWS_REGION or a profile's region")
	}
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if e.endpoint != "" {
			o.BaseEndpoint = aws.String(e.endpoint)
		}
		// DynamoDB Local omits x-amz-crc32 on error responses, which makes
		// the SDK log a spurious checksum warning (aws/aws-sdk-go-v2#3545).
		o.DisableValidateResponseChecksum = local
	}), nil
}

func (e *env) store(ctx context.Context) (*store.Store, error) {
	c, err := e.open(ctx)
	if err != nil {
		return nil, err
	}
	return store.New(c, e.table), nil
}

func tenantCreate(fs *flag.FlagSet) func(context.Context, *env) error {
	id := fs.String("id", "", "tenant id (letters, digits, '_', '.', '-')")
	name := fs.String("name", "", "tenant display name")
	group := fs.String("group-name", "", "name of the tenant's store group (optional)")
	return func(ctx context.Context, e *env) error {
		if err := required(map[string]string{"id": *id, "name": *name}); err != nil {
			return err
		}
		s, err := e.store(ctx)
		if err != nil {
			return err
		}
		if err := s.CreateTenant(ctx, config.Tenant{ID: *id, Name: *name}); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "created tenant %s\n", *id)
		if *group != "" {
			if err := s.SetGroupName(ctx, *id, *group); err != nil {
				return fmt.Errorf("tenant %s created, but naming its group failed: %w", *id, err)
			}
			fmt.Fprintf(e.stdout, "named store group %q\n", strings.TrimSpace(*group))
		}
		return nil
	}
}

func tenantGet(fs *flag.FlagSet) func(context.Context, *env) error {
	id := fs.String("id", "", "tenant id")
	return func(ctx context.Context, e *env) error {
		if err := required(map[string]string{"id": *id}); err != nil {
			return err
		}
		s, err := e.store(ctx)
		if err != nil {
			return err
		}
		t, err := s.Tenant(ctx, *id)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "id:    %s\nname:  %s\n", t.ID, t.Name)
		g, err := s.StoreGroup(ctx, *id)
		if platform.KindOf(err) == platform.KindNotFound {
			fmt.Fprintln(e.stdout, "group: (none)")
			return nil
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "group: %s\n", g.Name)
		for _, st := range g.Stores {
			fmt.Fprintf(e.stdout, "  %-18s %s\n", st.Classification, st.Domain)
		}
		return nil
	}
}

func tenantList(fs *flag.FlagSet) func(context.Context, *env) error {
	return func(ctx context.Context, e *env) error {
		s, err := e.store(ctx)
		if err != nil {
			return err
		}
		ts, err := s.ListTenants(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tNAME")
		for _, t := range ts {
			fmt.Fprintf(w, "%s\t%s\n", t.ID, t.Name)
		}
		return w.Flush()
	}
}

// parseScopes reads --scopes: "all" or comma-separated scope names.
func parseScopes(s string) ([]auth.Scope, error) {
	if strings.TrimSpace(s) == "all" {
		return append([]auth.Scope(nil), auth.AllScopes...), nil
	}
	var names []string
	for n := range strings.SplitSeq(s, ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return nil, usageError{"--scopes needs scope names (comma-separated) or all"}
	}
	scopes, err := auth.ParseScopes(names)
	if err != nil {
		return nil, usageError{fmt.Sprintf("%v; known scopes: %s", err, auth.JoinScopes(auth.AllScopes))}
	}
	return scopes, nil
}

func keyIssue(fs *flag.FlagSet) func(context.Context, *env) error {
	tenant := fs.String("tenant", "", "tenant id")
	name := fs.String("name", "", "key name, e.g. ci-deploy")
	scopes := fs.String("scopes", "all", "comma-separated scopes, or all")
	createdBy := fs.String("created-by", "fluxctl", "recorded as the key's creator")
	return func(ctx context.Context, e *env) error {
		if err := required(map[string]string{"tenant": *tenant, "name": *name}); err != nil {
			return err
		}
		sc, err := parseScopes(*scopes)
		if err != nil {
			return err
		}
		s, err := e.store(ctx)
		if err != nil {
			return err
		}
		keys := &auth.Keys{Store: s}
		secret, rec, err := keys.Issue(ctx, *tenant, *createdBy, *name, sc)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "issued key %s (%s...) for tenant %s with scopes %s\n",
			rec.ID, rec.Prefix, rec.TenantID, auth.JoinScopes(rec.Scopes))
		fmt.Fprintln(e.stderr, "the secret below is shown once and cannot be retrieved again:")
		fmt.Fprintln(e.stdout, secret)
		return nil
	}
}

// keyJSON is a key in `key list --json`.
type keyJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Scopes     []string   `json:"scopes"`
	CreatedBy  string     `json:"createdBy,omitempty"`
	CreatedAt  time.Time  `json:"createdAt"`
	LastUsedAt *time.Time `json:"lastUsedAt"`
	RevokedAt  *time.Time `json:"revokedAt"`
}

func keyList(fs *flag.FlagSet) func(context.Context, *env) error {
	tenant := fs.String("tenant", "", "tenant id")
	asJSON := fs.Bool("json", false, "print JSON")
	return func(ctx context.Context, e *env) error {
		if err := required(map[string]string{"tenant": *tenant}); err != nil {
			return err
		}
		s, err := e.store(ctx)
		if err != nil {
			return err
		}
		keys, err := s.ListKeys(ctx, *tenant)
		if err != nil {
			return err
		}
		if *asJSON {
			out := make([]keyJSON, len(keys))
			for i, k := range keys {
				out[i] = keyJSON{ID: k.ID, Name: k.Name, Prefix: k.Prefix, Scopes: strings.Fields(auth.JoinScopes(k.Scopes)),
					CreatedBy: k.CreatedBy, CreatedAt: k.CreatedAt, LastUsedAt: k.LastUsedAt, RevokedAt: k.RevokedAt}
			}
			enc := json.NewEncoder(e.stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(out)
		}
		ts := func(t *time.Time) string {
			if t == nil {
				return "-"
			}
			return t.Format(time.RFC3339)
		}
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tNAME\tPREFIX\tCREATED\tLAST USED\tREVOKED\tSCOPES")
		for _, k := range keys {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, k.Prefix,
				k.CreatedAt.Format(time.RFC3339), ts(k.LastUsedAt), ts(k.RevokedAt), auth.JoinScopes(k.Scopes))
		}
		return w.Flush()
	}
}

func keyRevoke(fs *flag.FlagSet) func(context.Context, *env) error {
	tenant := fs.String("tenant", "", "tenant id")
	id := fs.String("id", "", "key id (key_...)")
	return func(ctx context.Context, e *env) error {
		if err := required(map[string]string{"tenant": *tenant, "id": *id}); err != nil {
			return err
		}
		s, err := e.store(ctx)
		if err != nil {
			return err
		}
		rec, err := s.RevokeKey(ctx, *tenant, *id, time.Now().UTC())
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "revoked key %s (%s) at %s\n", rec.ID, rec.Name, rec.RevokedAt.Format(time.RFC3339))
		return nil
	}
}

func storeAdd(fs *flag.FlagSet) func(context.Context, *env) error {
	tenant := fs.String("tenant", "", "tenant id")
	domain := fs.String("domain", "", "shop domain, e.g. acme.myshopify.com")
	class := fs.String("classification", "", "SOURCE, QA, RELEASE_CANDIDATE or PRODUCTION")
	return func(ctx context.Context, e *env) error {
		if err := required(map[string]string{"tenant": *tenant, "domain": *domain, "classification": *class}); err != nil {
			return err
		}
		c, err := config.ParseClassification(*class)
		if err != nil {
			return usageError{describe(err)}
		}
		d, err := config.NormalizeShop(*domain)
		if err != nil {
			return usageError{describe(err)}
		}
		s, err := e.store(ctx)
		if err != nil {
			return err
		}
		if err := s.AddStore(ctx, *tenant, config.Store{Domain: d, Classification: c}); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "added %s to tenant %s as %s\n", d, *tenant, c)
		return nil
	}
}

func storeRemove(fs *flag.FlagSet) func(context.Context, *env) error {
	tenant := fs.String("tenant", "", "tenant id")
	domain := fs.String("domain", "", "shop domain")
	return func(ctx context.Context, e *env) error {
		if err := required(map[string]string{"tenant": *tenant, "domain": *domain}); err != nil {
			return err
		}
		s, err := e.store(ctx)
		if err != nil {
			return err
		}
		if err := s.RemoveStore(ctx, *tenant, *domain); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "removed %s from tenant %s\n", strings.ToLower(strings.TrimSpace(*domain)), *tenant)
		return nil
	}
}

func storeList(fs *flag.FlagSet) func(context.Context, *env) error {
	tenant := fs.String("tenant", "", "tenant id")
	return func(ctx context.Context, e *env) error {
		if err := required(map[string]string{"tenant": *tenant}); err != nil {
			return err
		}
		s, err := e.store(ctx)
		if err != nil {
			return err
		}
		g, err := s.StoreGroup(ctx, *tenant)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "CLASSIFICATION\tDOMAIN")
		for _, st := range g.Stores {
			fmt.Fprintf(w, "%s\t%s\n", st.Classification, st.Domain)
		}
		return w.Flush()
	}
}

func groupName(fs *flag.FlagSet) func(context.Context, *env) error {
	tenant := fs.String("tenant", "", "tenant id")
	name := fs.String("name", "", "store group name")
	return func(ctx context.Context, e *env) error {
		if err := required(map[string]string{"tenant": *tenant, "name": *name}); err != nil {
			return err
		}
		s, err := e.store(ctx)
		if err != nil {
			return err
		}
		if err := s.SetGroupName(ctx, *tenant, *name); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "named store group of %s %q\n", *tenant, strings.TrimSpace(*name))
		return nil
	}
}

func tableCreate(fs *flag.FlagSet) func(context.Context, *env) error {
	return func(ctx context.Context, e *env) error {
		c, err := e.open(ctx)
		if err != nil {
			return err
		}
		if err := store.CreateTable(ctx, c, e.table); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "table %s is ready\n", e.table)
		return nil
	}
}
