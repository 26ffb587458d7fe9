package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/config"
	"github.com/flux-platform/flux/shared/store"
	"github.com/flux-platform/flux/shared/store/storetest"
)

type result struct {
	code           int
	stdout, stderr string
}

func fluxctl(t *testing.T, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return result{code, out.String(), errOut.String()}
}

// setup gives a fresh table and the global flags that point at it.
func setup(t *testing.T) (*store.Store, []string) {
	t.Helper()
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("TABLE_NAME", "")
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", "")
	s := storetest.NewTable(t)
	return s, []string{"--table", s.Table, "--endpoint", storetest.Endpoint(t)}
}

func must(t *testing.T, r result) result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	return r
}

func TestOperatorFlow(t *testing.T) {
	ctx := context.Background()
	s, g := setup(t)
	cmd := func(args ...string) []string { return append(append([]string{}, g...), args...) }

	must(t, fluxctl(t, cmd("tenant", "create", "--id", "acme", "--name", "Acme", "--group-name", "Acme stores")...))
	must(t, fluxctl(t, cmd("store", "add", "--tenant", "acme", "--domain", "acme-prod.myshopify.com", "--classification", "PRODUCTION")...))
	must(t, fluxctl(t, cmd("store", "add", "--tenant", "acme", "--domain", "ACME-SRC.myshopify.com", "--classification", "source")...))

	g1, err := s.StoreGroup(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	want := config.StoreGroup{Name: "Acme stores", Stores: []config.Store{
		{Domain: "acme-src.myshopify.com", Classification: config.Source},
		{Domain: "acme-prod.myshopify.com", Classification: config.Production},
	}}
	if diff := cmp.Diff(want, g1); diff != "" {
		t.Errorf("group (-want +got):\n%s", diff)
	}
	r := must(t, fluxctl(t, cmd("store", "list", "--tenant", "acme")...))
	if !strings.Contains(r.stdout, "SOURCE") || !strings.Contains(r.stdout, "acme-prod.myshopify.com") {
		t.Errorf("store list:\n%s", r.stdout)
	}

	// key issue: stdout is the secret and nothing else.
	r = must(t, fluxctl(t, cmd("key", "issue", "--tenant", "acme", "--name", "ci", "--scopes", "config:read, keys:admin")...))
	secret := strings.TrimSuffix(r.stdout, "\n")
	if strings.Contains(secret, "\n") || auth.ParseKey(secret) != nil {
		t.Fatalf("stdout is not exactly one key: %q", r.stdout)
	}
	if strings.Contains(r.stderr, secret) {
		t.Error("the secret is also on stderr")
	}
	rec, err := s.LookupKey(ctx, auth.HashKey(secret))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]auth.Scope{auth.ScopeConfigRead, auth.ScopeKeysAdmin}, rec.Scopes); diff != "" {
		t.Errorf("scopes (-want +got):\n%s", diff)
	}
	if rec.TenantID != "acme" || rec.Name != "ci" || rec.CreatedBy != "fluxctl" || rec.Revoked() {
		t.Errorf("record = %+v", rec)
	}

	r = must(t, fluxctl(t, cmd("key", "issue", "--tenant", "acme", "--name", "admin")...))
	all, err := s.LookupKey(ctx, auth.HashKey(strings.TrimSpace(r.stdout)))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(auth.AllScopes, all.Scopes); diff != "" {
		t.Errorf("default scopes should be all (-want +got):\n%s", diff)
	}

	r = must(t, fluxctl(t, cmd("key", "list", "--tenant", "acme", "--json")...))
	var listed []keyJSON
	if err := json.Unmarshal([]byte(r.stdout), &listed); err != nil {
		t.Fatalf("key list --json: %v\n%s", err, r.stdout)
	}
	if len(listed) != 2 || listed[0].ID != all.ID || listed[1].ID != rec.ID {
		t.Errorf("key list = %+v", listed)
	}
	if strings.Contains(r.stdout, secret) {
		t.Error("key list shows a secret")
	}
	r = must(t, fluxctl(t, cmd("key", "list", "--tenant", "acme")...))
	if !strings.Contains(r.stdout, rec.ID) || !strings.Contains(r.stdout, rec.Prefix) {
		t.Errorf("key list:\n%s", r.stdout)
	}

	must(t, fluxctl(t, cmd("key", "revoke", "--tenant", "acme", "--id", rec.ID)...))
	rec, err = s.LookupKey(ctx, auth.HashKey(secret))
	if err != nil || !rec.Revoked() {
		t.Errorf("after revoke: %+v, %v", rec, err)
	}

	r = must(t, fluxctl(t, cmd("tenant", "get", "--id", "acme")...))
	for _, s := range []string{"Acme", "Acme stores", "acme-src.myshopify.com"} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("tenant get lacks %q:\n%s", s, r.stdout)
		}
	}
	r = must(t, fluxctl(t, cmd("tenant", "list")...))
	if !strings.Contains(r.stdout, "acme") {
		t.Errorf("tenant list:\n%s", r.stdout)
	}
	must(t, fluxctl(t, cmd("group", "name", "--tenant", "acme", "--name", "Renamed")...))
	must(t, fluxctl(t, cmd("store", "remove", "--tenant", "acme", "--domain", "acme-prod.myshopify.com")...))
	g1, _ = s.StoreGroup(ctx, "acme")
	if g1.Name != "Renamed" || len(g1.Stores) != 1 {
		t.Errorf("group after rename and remove = %+v", g1)
	}
}

func TestErrors(t *testing.T) {
	s, g := setup(t)
	storetest.NewTenant(t, s, "acme", "Acme")
	storetest.NewTenant(t, s, "other", "Other")
	if err := s.AddStore(context.Background(), "acme", config.Store{Domain: "acme.myshopify.com", Classification: config.Production}); err != nil {
		t.Fatal(err)
	}
	k := auth.Keys{Store: s}
	_, acmeKey, err := k.Issue(context.Background(), "acme", "t", "k", []auth.Scope{auth.ScopeConfigRead})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		args       []string
		global     bool // prepend --table/--endpoint
		wantCode   int
		wantStderr string
	}{
		{"no command", nil, true, 2, "missing command"},
		{"unknown command", []string{"tenant", "explode"}, true, 2, `unknown command "tenant explode"`},
		{"unknown global flag", []string{"--colour", "tenant", "list"}, false, 2, "flag provided but not defined"},
		{"missing flags", []string{"tenant", "create"}, true, 2, "--id, --name required"},
		{"extra argument", []string{"tenant", "list", "oops"}, true, 2, `unexpected argument "oops"`},
		{"no table", []string{"tenant", "list"}, false, 2, "no table: set --table or TABLE_NAME"},
		{"bad endpoint", []string{"--table", "x", "--endpoint", "localhost", "tenant", "list"}, false, 2, "is not a URL"},
		{"duplicate tenant", []string{"tenant", "create", "--id", "acme", "--name", "Again"}, true, 1, "tenant acme exists"},
		{"bad tenant id", []string{"tenant", "create", "--id", "a#b", "--name", "X"}, true, 1, "tenant id"},
		{"missing tenant", []string{"tenant", "get", "--id", "ghost"}, true, 1, "tenant ghost not found"},
		{"shop of another tenant", []string{"store", "add", "--tenant", "other", "--domain", "acme.myshopify.com", "--classification", "QA"}, true, 1, "shop acme.myshopify.com already belongs to another tenant"},
		{"bad classification", []string{"store", "add", "--tenant", "acme", "--domain", "b.myshopify.com", "--classification", "STAGING"}, true, 2, "must be one of SOURCE, QA, RELEASE_CANDIDATE, PRODUCTION"},
		{"bad domain", []string{"store", "add", "--tenant", "acme", "--domain", "example.com", "--classification", "QA"}, true, 2, "is not a *.myshopify.com shop domain"},
		{"store of unknown tenant", []string{"store", "add", "--tenant", "ghost", "--domain", "g.myshopify.com", "--classification", "QA"}, true, 1, "tenant ghost not found"},
		{"remove store not in group", []string{"store", "remove", "--tenant", "other", "--domain", "acme.myshopify.com"}, true, 1, "store acme.myshopify.com not found"},
		{"no group", []string{"store", "list", "--tenant", "other"}, true, 1, "store group not found"},
		{"unknown scope", []string{"key", "issue", "--tenant", "acme", "--name", "x", "--scopes", "config:read,root"}, true, 2, `unknown scope "root"`},
		{"empty scopes", []string{"key", "issue", "--tenant", "acme", "--name", "x", "--scopes", ","}, true, 2, "--scopes needs scope names"},
		{"key for unknown tenant", []string{"key", "issue", "--tenant", "ghost", "--name", "x"}, true, 1, "tenant ghost not found"},
		{"revoke another tenant's key", []string{"key", "revoke", "--tenant", "other", "--id", acmeKey.ID}, true, 1, "api key not found"},
		{"revoke unknown key", []string{"key", "revoke", "--tenant", "acme", "--id", "key_nope"}, true, 1, "api key not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if tt.global {
				args = append(append([]string{}, g...), args...)
			}
			r := fluxctl(t, args...)
			if r.code != tt.wantCode {
				t.Errorf("exit = %d, want %d\nstderr: %s", r.code, tt.wantCode, r.stderr)
			}
			if !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantStderr, r.stderr)
			}
			if r.code == 1 && strings.Contains(r.stderr, "usage:") {
				t.Errorf("an operation failure printed usage:\n%s", r.stderr)
			}
		})
	}
	// The failed attempt did not take the shop from acme.
	owner, err := s.TenantByShop(context.Background(), "acme.myshopify.com")
	if err != nil || owner != "acme" {
		t.Errorf("owner = %q, %v", owner, err)
	}
}

func TestTableCreateAndFlagPlacement(t *testing.T) {
	_, g := setup(t)
	ep := g[3]
	c := storetest.Client(t)
	name := "fluxctl-" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
	t.Cleanup(func() {
		_, _ = c.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	})
	// Global flags after the command, and TABLE_NAME from the environment.
	must(t, fluxctl(t, "table", "create", "--endpoint", ep, "--table", name))
	must(t, fluxctl(t, "table", "create", "--endpoint", ep, "--table", name)) // idempotent
	t.Setenv("TABLE_NAME", name)
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", ep)
	must(t, fluxctl(t, "tenant", "create", "--id", "envtenant", "--name", "From env"))
	got, err := store.New(c, name).Tenant(context.Background(), "envtenant")
	if err != nil || got.Name != "From env" {
		t.Errorf("tenant = %+v, %v", got, err)
	}
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}} {
		r := fluxctl(t, args...)
		if r.code != 0 || !strings.Contains(r.stdout, "key issue") {
			t.Errorf("%v: exit %d, stdout %q", args, r.code, r.stdout)
		}
	}
}
