package release_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/flux-platform/flux/shared/capture"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/platform"
	"github.com/flux-platform/flux/shared/release"
)

func TestCanMove(t *testing.T) {
	allowed := map[[2]release.Status]bool{
		{release.Draft, release.Open}: true, {release.Draft, release.Cancelled}: true,
		{release.Open, release.Deploying}: true, {release.Open, release.Cancelled}: true,
		{release.Deploying, release.Deployed}: true, {release.Deploying, release.Failed}: true,
		{release.Deploying, release.Cancelled}: true,
	}
	for _, from := range release.Statuses {
		for _, to := range release.Statuses {
			if got := release.CanMove(from, to); got != allowed[[2]release.Status{from, to}] {
				t.Errorf("CanMove(%s, %s) = %v", from, to, got)
			}
		}
	}
}

func code(err error) string {
	var r *release.Refusal
	if errors.As(err, &r) {
		return r.Code
	}
	if err != nil {
		return "error"
	}
	return ""
}

func TestCheckApprove(t *testing.T) {
	open := release.Release{ID: "rel_1", Status: release.Open, Author: "key_author"}
	tests := []struct {
		name      string
		r         release.Release
		principal string
		has       bool
		want      string
	}{
		{"another key approves", open, "key_other", false, ""},
		{"author refused", open, "key_author", false, release.CodeSelfApproval},
		{"twice refused", open, "key_other", true, release.CodeAlreadyApproved},
		{"draft refused", release.Release{ID: "rel_1", Status: release.Draft, Author: "a"}, "b", false, release.CodeNotOpen},
		{"deploying refused", release.Release{ID: "rel_1", Status: release.Deploying, Author: "a"}, "b", false, release.CodeNotOpen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := release.CheckApprove(tt.r, tt.principal, tt.has)
			if got := code(err); got != tt.want {
				t.Fatalf("code %q, want %q (%v)", got, tt.want, err)
			}
			if err != nil && platform.KindOf(err) != platform.KindConflict {
				t.Errorf("kind %v, want conflict", platform.KindOf(err))
			}
		})
	}
}

func TestCheckDeploy(t *testing.T) {
	r := func(st release.Status, approvals int) release.Release {
		return release.Release{ID: "rel_1", Status: st, ApprovalCount: approvals}
	}
	tests := []struct {
		name       string
		r          release.Release
		rules      release.Rules
		wantCode   string
		wantHotfix bool
	}{
		{"approved", r(release.Open, 1), release.DefaultRules, "", false},
		{"more than enough", r(release.Open, 3), release.Rules{RequiredApprovals: 2}, "", false},
		{"none required", r(release.Open, 0), release.Rules{}, "", false},
		{"unapproved", r(release.Open, 0), release.DefaultRules, release.CodeNotApproved, false},
		{"one short", r(release.Open, 1), release.Rules{RequiredApprovals: 2}, release.CodeNotApproved, false},
		{"hotfix allowed", r(release.Open, 0), release.Rules{RequiredApprovals: 1, AllowHotfix: true}, "", true},
		{"approved with hotfix allowed is no hotfix", r(release.Open, 1), release.Rules{RequiredApprovals: 1, AllowHotfix: true}, "", false},
		{"draft", r(release.Draft, 5), release.DefaultRules, release.CodeNotOpen, false},
		{"deploying", r(release.Deploying, 5), release.DefaultRules, release.CodeNotOpen, false},
		{"cancelled", r(release.Cancelled, 5), release.Rules{AllowHotfix: true}, release.CodeNotOpen, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hot, err := release.CheckDeploy(tt.r, tt.rules)
			if got := code(err); got != tt.wantCode || hot != tt.wantHotfix {
				t.Fatalf("code %q hotfix %v, want %q %v (%v)", got, hot, tt.wantCode, tt.wantHotfix, err)
			}
		})
	}
}

func TestCheckCancel(t *testing.T) {
	tests := []struct {
		st       release.Status
		wantStop bool
		wantCode string
	}{
		{release.Draft, false, ""}, {release.Open, false, ""}, {release.Deploying, true, ""},
		{release.Deployed, false, release.CodeEnded}, {release.Cancelled, false, release.CodeEnded}, {release.Failed, false, release.CodeEnded},
	}
	for _, tt := range tests {
		stop, err := release.CheckCancel(release.Release{ID: "rel_1", Status: tt.st})
		if stop != tt.wantStop || code(err) != tt.wantCode {
			t.Errorf("%s: stop %v err %v", tt.st, stop, err)
		}
	}
}

func TestFinalStatus(t *testing.T) {
	tests := []struct {
		failed, cancelled int
		want              release.Status
	}{{0, 0, release.Deployed}, {1, 0, release.Failed}, {1, 1, release.Failed}, {0, 2, release.Cancelled}}
	for _, tt := range tests {
		if got := release.FinalStatus(tt.failed, tt.cancelled); got != tt.want {
			t.Errorf("FinalStatus(%d, %d) = %s, want %s", tt.failed, tt.cancelled, got, tt.want)
		}
	}
}

func TestDriftRefusalNamesObjects(t *testing.T) {
	var drifted []release.ObjectRef
	for i := range 23 {
		drifted = append(drifted, release.ObjectRef{Type: mapping.Page, Canonical: "p" + string(rune('a'+i))})
	}
	r := release.DriftRefusal("rel_1", drifted[:2])
	if r.Code != release.CodeTargetDrifted || !strings.Contains(r.Message, "PAGE/pa, PAGE/pb") {
		t.Errorf("refusal %+v", r)
	}
	r = release.DriftRefusal("rel_1", drifted)
	if !strings.Contains(r.Message, "and 3 more") || len(r.Drifted) != 23 {
		t.Errorf("refusal of 23: %s", r.Message)
	}
}

func TestParseAndValidate(t *testing.T) {
	for in, want := range map[string]release.Type{"": release.Objects, "THEME": release.Theme, "HYBRID": release.Hybrid} {
		if got, err := release.ParseType(in); err != nil || got != want {
			t.Errorf("ParseType(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := release.ParseType("objects"); platform.KindOf(err) != platform.KindValidation {
		t.Errorf("lower-case type: %v", err)
	}
	if release.Objects.Allows(mapping.Theme) || !release.Theme.Allows(mapping.Theme) || !release.Hybrid.Allows(mapping.Product) {
		t.Error("Allows")
	}
	for _, n := range []int{-1, release.MaxRequiredApprovals + 1} {
		if err := release.ValidateRules(release.Rules{RequiredApprovals: n}); err == nil {
			t.Errorf("rules with %d approvals accepted", n)
		}
	}
	for _, id := range []string{"", "a#b", strings.Repeat("x", 65)} {
		if release.ValidID("id", id) == nil {
			t.Errorf("id %q accepted", id)
		}
	}
	if _, err := release.ParsePhase("EXECUTING"); err != nil {
		t.Error(err)
	}
	if _, err := release.ParsePhase("DONE"); err == nil {
		t.Error("phase DONE accepted")
	}
}

// fakeVersions is an in-memory capture set: shop → type → canonical → body.
type fakeVersions map[string]map[mapping.ObjectType]map[string]string

func (f fakeVersions) Canonicals(_ context.Context, _ string, t mapping.ObjectType, shop, after string, limit int) ([]string, string, error) {
	var all []string
	for c := range f[shop][t] {
		if c > after {
			all = append(all, c)
		}
	}
	slices.Sort(all)
	if len(all) > limit {
		return all[:limit], all[limit-1], nil
	}
	return all, "", nil
}

func (f fakeVersions) Currents(_ context.Context, _ string, t mapping.ObjectType, shop string, cs []string) (map[string]release.VersionRef, error) {
	out := map[string]release.VersionRef{}
	for _, c := range cs {
		if b, ok := f[shop][t][c]; ok {
			out[c] = release.VersionRef{Seq: 1, Hash: capture.HashBytes([]byte(b))}
		}
	}
	return out, nil
}

func (f fakeVersions) Bodies(_ context.Context, _ string, t mapping.ObjectType, shop string, seqs map[string]int64) (map[string][]byte, error) {
	out := map[string][]byte{}
	for c := range seqs {
		out[c] = []byte(f[shop][t][c])
	}
	return out, nil
}

func TestChangeset(t *testing.T) {
	v := fakeVersions{
		"src.myshopify.com": {mapping.Page: {"about": `{"title":"About us"}`, "contact": `{"title":"Contact","body":"new"}`, "faq": `{"title":"FAQ"}`}},
		"tgt.myshopify.com": {mapping.Page: {"about": `{"title":"About us"}`, "contact": `{"title":"Contact","body":"old"}`, "legacy": `{"title":"Old"}`}},
	}
	changes, sum, err := release.Changeset(t.Context(), v, "t1", "src.myshopify.com", "tgt.myshopify.com", []mapping.ObjectType{mapping.Page}, nil)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Canonical string
		Kind      release.ChangeKind
		Fields    []release.FieldChange
	}
	var got []row
	for _, c := range changes {
		if c.Target != "tgt.myshopify.com" {
			t.Errorf("target %q", c.Target)
		}
		got = append(got, row{c.Object.Canonical, c.Kind, c.Fields})
	}
	want := []row{
		{"contact", release.Modified, []release.FieldChange{{Path: "/body", Kind: "modified"}}},
		{"faq", release.Created, nil},
		{"legacy", release.TargetOnly, nil},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("changes (-want +got):\n%s", d)
	}
	if want := (release.Summary{Created: 1, Modified: 1, Unchanged: 1, TargetOnly: 1}); sum != want {
		t.Errorf("summary %+v", sum)
	}

	// Drift: the target's contact page changed since.
	v["tgt.myshopify.com"][mapping.Page]["contact"] = `{"title":"Contact","body":"edited"}`
	drifted, err := release.Drift(t.Context(), v, "t1", changes[:2])
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]release.ObjectRef{{Type: mapping.Page, Canonical: "contact"}}, drifted); d != "" {
		t.Errorf("drift (-want +got):\n%s", d)
	}

	// Named canonicals only; one neither shop has is refused.
	changes, _, err = release.Changeset(t.Context(), v, "t1", "src.myshopify.com", "tgt.myshopify.com", nil,
		[]release.ObjectRef{{Type: mapping.Page, Canonical: "faq"}})
	if err != nil || len(changes) != 1 || changes[0].Kind != release.Created {
		t.Errorf("named faq: %+v %v", changes, err)
	}
	_, _, err = release.Changeset(t.Context(), v, "t1", "src.myshopify.com", "tgt.myshopify.com", nil,
		[]release.ObjectRef{{Type: mapping.Page, Canonical: "nowhere"}})
	if platform.KindOf(err) != platform.KindValidation || !strings.Contains(platform.PublicMessage(err), "PAGE/nowhere") {
		t.Errorf("named nowhere: %v", err)
	}
}

func TestFieldChangesCapped(t *testing.T) {
	cs := make([]capture.Change, release.MaxFieldChanges+7)
	for i := range cs {
		cs[i] = capture.Change{Path: "/x", Kind: capture.Added}
	}
	got, more := release.FieldChanges(cs)
	if len(got) != release.MaxFieldChanges || more != 7 {
		t.Errorf("%d kept, %d truncated", len(got), more)
	}
}
