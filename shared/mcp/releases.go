package mcp

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/flux-platform/flux/shared/auth"
	"github.com/flux-platform/flux/shared/mapping"
	"github.com/flux-platform/flux/shared/release"
	"github.com/flux-platform/flux/shared/release/releasegroup"
	"github.com/flux-platform/flux/shared/rpc"
)

// The releases group's tools (schema/releases.graphql, rollback.graphql).
// Reads need releases:read. Of the mutations, the ones an operator asks an
// assistant to carry out are tools: createRelease and cancelRelease
// (releases:write), triggerReleaseDeploy, rollbackRelease and retryDeploy
// (releases:deploy). approveRelease is deliberately not a tool: an approval
// is the human review a release must pass (docs/mcp.md, "Releases");
// setApprovalRules is governance (keys:admin). The group enforces every
// release rule (no self-approval, approvals before a deploy, busy and
// drifted targets) whoever calls it.

const (
	releaseIDDesc = "The release's id (rel_...)."
	// releaseIDMax is release.ValidID's bound.
	releaseIDMax = 64
	// changesCursorMax bounds releaseChanges' after: a target shop, an
	// object type and a canonical path.
	changesCursorMax = 1024
	// refusalNote explains the mutations' answers.
	refusalNote = " A release rule refusing it answers success false with error and errorCode (the GraphQL API's ReleaseActionResult)."
)

var releaseTypes = []string{string(release.Objects), string(release.Theme), string(release.Hybrid)}

// renamed is the operation group.op called with the tool's one argument
// from renamed to to: GraphQL's deployJob(jobId) is the group's {"id"}.
func renamed(group, op, from, to string) func(ctx context.Context, d deps, args json.RawMessage) (json.RawMessage, error) {
	return func(ctx context.Context, d deps, args json.RawMessage) (json.RawMessage, error) {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(args, &m); err != nil {
			return nil, fmt.Errorf("arguments of %s: %w", op, err)
		}
		if v, ok := m[from]; ok {
			delete(m, from)
			m[to] = v
		}
		b, err := json.Marshal(m)
		if err != nil {
			return nil, fmt.Errorf("arguments of %s: %w", op, err)
		}
		return rpc.Call[json.RawMessage](ctx, d.groups, group, op, json.RawMessage(b))
	}
}

func releaseOp(op string) func(ctx context.Context, d deps, args json.RawMessage) (json.RawMessage, error) {
	return groupOp(releasegroup.GroupName, op)
}

func releaseIDArg() map[string]*jsonschema.Schema {
	return map[string]*jsonschema.Schema{"releaseId": bounded(releaseIDDesc, releaseIDMax)}
}

func prNumber(desc string) *jsonschema.Schema {
	s := integer(desc, 1, release.MaxPRNumber, 1)
	s.Default = nil
	return s
}

// createReleaseInput is CreateReleaseInput.
func createReleaseInput() *jsonschema.Schema {
	maxTargets, maxCanonicals := release.MaxTargets, release.MaxCanonicals
	objectTypes := &jsonschema.Schema{Type: "array", Description: "Every object of these types.",
		Items: enum("An object type.", objectTypeNames()...)}
	canonicals := &jsonschema.Schema{Type: "array", Description: "These objects (at most 1000).", MaxItems: &maxCanonicals,
		Items: object(map[string]*jsonschema.Schema{
			"objectType": enum("The kind of object.", objectTypeNames()...),
			"canonical":  bounded("The object's canonical path.", mapping.MaxCanonicalLength),
		}, "objectType", "canonical")}
	in := object(map[string]*jsonschema.Schema{
		"name":        bounded("The release's name.", release.MaxNameLength),
		"sourceShop":  bounded("The store whose content is released (a *.myshopify.com domain of your store group).", 255),
		"targetShop":  bounded("The store it is released to; not the source.", 255),
		"targetShops": {Type: "array", Description: "More targets (each gets its own changeset and deploy job).", Items: &jsonschema.Schema{Type: "string"}, MaxItems: &maxTargets},
		"type":        enum("What the release carries: OBJECTS (default), THEME or HYBRID.", releaseTypes...),
		"prNumber":    prNumber("The pull request the release belongs to (releaseByPrNumber finds it)."),
		"scope": object(map[string]*jsonschema.Schema{
			"objectTypes": objectTypes,
			"canonicals":  canonicals,
		}),
	}, "name", "sourceShop", "targetShop")
	in.Description = "The release to create. Without scope: every object of the type's object types."
	in.Properties["scope"].Description = "What the release compares: every object of objectTypes plus the named canonicals."
	return object(map[string]*jsonschema.Schema{"input": in}, "input")
}

// releaseTools are the releases group's tools.
func releaseTools() []Tool {
	action := outputOf[releasegroup.ActionResult]()
	return []Tool{
		{
			Name: "release", Title: "One release",
			Description: "One release by id: status (DRAFT, OPEN, DEPLOYING, DEPLOYED, CANCELLED, FAILED), source and targets, changeset summary per target, approvals against the required count, and its deploy jobs. Requires the scope releases:read.",
			Scope:       auth.ScopeReleasesRead, ReadOnly: true,
			Input:  object(map[string]*jsonschema.Schema{"id": bounded(releaseIDDesc, releaseIDMax)}, "id"),
			Output: outputOf[releasegroup.Release](),
			run:    releaseOp(releasegroup.OpRelease),
		},
		{
			Name: "releaseByPrNumber", Title: "Release of a pull request",
			Description: "The latest release created for a pull request number. Requires the scope releases:read.",
			Scope:       auth.ScopeReleasesRead, ReadOnly: true,
			Input:  object(map[string]*jsonschema.Schema{"prNumber": prNumber("The pull request's number.")}, "prNumber"),
			Output: outputOf[releasegroup.Release](),
			run:    releaseOp(releasegroup.OpReleaseByPR),
		},
		{
			Name: "releaseChanges", Title: "A release's changeset",
			Description: "One page of a release's changeset (by target, object type, canonical): each object CREATED, MODIFIED or TARGET_ONLY with the versions compared and its field-level changes. Pass nextCursor back as after for the next page. Requires the scope releases:read.",
			Scope:       auth.ScopeReleasesRead, ReadOnly: true,
			Input: object(map[string]*jsonschema.Schema{
				"releaseId":  bounded(releaseIDDesc, releaseIDMax),
				"targetShop": bounded("Only this target's changes.", 255),
				"limit":      integer("The most changes wanted.", 1, releasegroup.MaxChanges, releasegroup.DefaultChanges),
				"after":      bounded("nextCursor of the previous page.", changesCursorMax),
			}, "releaseId"),
			Output: outputOf[releasegroup.ChangesResult](),
			run:    releaseOp(releasegroup.OpReleaseChanges),
		},
		{
			Name: "deployJob", Title: "One deploy job",
			Description: "One deploy (or rollback) job by id: its target, status, phase, progress, error and per-object outcomes. Requires the scope releases:read.",
			Scope:       auth.ScopeReleasesRead, ReadOnly: true,
			Input:  object(map[string]*jsonschema.Schema{"jobId": bounded("The job's id (job_...).", releaseIDMax)}, "jobId"),
			Output: outputOf[releasegroup.DeployJob](),
			run:    renamed(releasegroup.GroupName, releasegroup.OpDeployJob, "jobId", "id"),
		},
		{
			Name: "approvalRules", Title: "Approval rules",
			Description: "The store group's approval rules: how many approvals a release needs before it deploys and whether hotfixes are allowed (default: one approval, no hotfix). Requires the scope releases:read.",
			Scope:       auth.ScopeReleasesRead, ReadOnly: true,
			Input: object(nil), Output: outputOf[releasegroup.Rules](),
			run: releaseOp(releasegroup.OpApprovalRules),
		},
		{
			Name: "createRelease", Title: "Create a release",
			Description: "Creates a release: computes the changeset between the latest captures of the source and each target (sync first), stores it and opens the release for review (OPEN). Changes Flux's data, never a store; the author cannot approve it. Requires the scope releases:write.",
			Scope:       auth.ScopeReleasesWrite,
			Input:       createReleaseInput(), Output: outputOf[releasegroup.CreateResult](),
			run: releaseOp(releasegroup.OpCreateRelease),
		},
		{
			Name: "cancelRelease", Title: "Cancel a release",
			Description: "Cancels a DRAFT or OPEN release (it can no longer be approved or deployed); for a DEPLOYING one, asks its jobs to stop before their next write. Ends the release: it cannot be undone." + refusalNote + " Requires the scope releases:write.",
			Scope:       auth.ScopeReleasesWrite, Destructive: true, Idempotent: true,
			Input: object(releaseIDArg(), "releaseId"), Output: action,
			run: releaseOp(releasegroup.OpCancelRelease),
		},
		{
			Name: "triggerReleaseDeploy", Title: "Deploy a release",
			Description: "Deploys an OPEN release that has the approvals the rules require (or as a hotfix when they allow it): one deploy job per target writes the changeset to that Shopify store. Refused when a deploy runs on a target or a target changed since the changeset was computed." + refusalNote + " Changes the target stores. Requires the scope releases:deploy.",
			Scope:       auth.ScopeReleasesDeploy, Destructive: true, OpenWorld: true,
			Input: object(releaseIDArg(), "releaseId"), Output: action,
			run: releaseOp(releasegroup.OpTriggerDeploy),
		},
		{
			Name: "rollbackRelease", Title: "Roll back a release",
			Description: "Reverts what a DEPLOYED, FAILED or CANCELLED release's deploy changed on each target to its pre-deploy snapshot: updated objects get their old content back, objects the deploy created are deleted. One rollback job per target (see deployJob)." + refusalNote + " Changes the target stores. Requires the scope releases:deploy.",
			Scope:       auth.ScopeReleasesDeploy, Destructive: true, OpenWorld: true,
			Input: object(releaseIDArg(), "releaseId"), Output: action,
			run: releaseOp(releasegroup.OpRollbackRelease),
		},
		{
			Name: "retryDeploy", Title: "Retry a failed deploy",
			Description: "Runs a FAILED release's failed deploy jobs again; each continues where it failed. Refused once the release was rolled back." + refusalNote + " Changes the target stores. Requires the scope releases:deploy.",
			Scope:       auth.ScopeReleasesDeploy, Destructive: true, OpenWorld: true,
			Input: object(releaseIDArg(), "releaseId"), Output: action,
			run: releaseOp(releasegroup.OpRetryDeploy),
		},
	}
}
