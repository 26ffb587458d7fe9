# Flux: make dev | make test | make build | make lint | make bench | make clean
#
# Functions: the ONE list of LogicalId:directory pairs. template.yaml has a
# resource per LogicalId (Metadata.BuildMethod makefile) and SAM calls
# `make build-<LogicalId>`; infra/templatecheck checks the three agree.
FUNCTIONS := \
	AuthorizerFunction:authorizer \
	GraphqlFunction:graphql \
	GraphqlConfigFunction:graphql-config \
	GraphqlStoresFunction:graphql-stores \
	GraphqlMappingsFunction:graphql-mappings \
	GraphqlSyncFunction:graphql-sync \
	GraphqlReleasesFunction:graphql-releases \
	GraphqlWritesFunction:graphql-writes \
	OauthInstallFunction:oauth-install \
	OauthCallbackFunction:oauth-callback \
	RestHealthFunction:rest-health \
	RestRateLimitsFunction:rest-rate-limits \
	RestObjectHistoryFunction:rest-object-history \
	RestObjectDiffFunction:rest-object-diff \
	RestObjectRevertFunction:rest-object-revert \
	RestAuditExportFunction:rest-audit-export \
	McpFunction:mcp \
	RestHeartbeatFunction:rest-heartbeat \
	WebhookShopifyFunction:webhook-shopify \
	WorkerSyncFunction:worker-sync \
	WorkerDeployFunction:worker-deploy \
	WorkerEventsFunction:worker-events \
	ScheduleReconcileFunction:schedule-reconcile \
	RestFilesUploadUrlFunction:rest-files-upload-url \
	RestFilesConfirmFunction:rest-files-confirm \
	RestFilesDownloadUrlFunction:rest-files-download-url \
	RestFilesGetFunction:rest-files-get \
	RestFilesListFunction:rest-files-list \
	RestFilesDeleteFunction:rest-files-delete

SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

GO        ?= go
BUILD_DIR ?= build
# Lambda runs arm64 (Globals.Architectures); override only for local experiments.
LAMBDA_GOARCH ?= arm64
# How every bootstrap is built: static, no RPC shim, stripped, reproducible paths.
GO_LAMBDA_BUILD_FLAGS := -trimpath -tags lambda.norpc -ldflags '-s -w'

TOOLS_BIN   := $(CURDIR)/.tools/bin
STATICCHECK := $(TOOLS_BIN)/staticcheck
GOVULNCHECK := $(TOOLS_BIN)/govulncheck
STATICCHECK_VERSION := v0.8.2
GOVULNCHECK_VERSION := v1.9.0

fn_id  = $(word 1,$(subst :, ,$(1)))
fn_dir = $(word 2,$(subst :, ,$(1)))
FUNCTION_DIRS := $(foreach f,$(FUNCTIONS),$(call fn_dir,$(f)))
BOOTSTRAPS    := $(foreach d,$(FUNCTION_DIRS),$(BUILD_DIR)/$(d)/bootstrap)

.PHONY: help dev test build lint bench clean tools FORCE

help:
	@echo "make dev    run all of Flux locally (DynamoDB Local, moto, API on FLUX_PORT, default 3000)"
	@echo "make test   start DynamoDB Local and moto, run go test ./..., stop them"
	@echo "make build  build every function as a static linux/$(LAMBDA_GOARCH) bootstrap under $(BUILD_DIR)/"
	@echo "make lint   gofmt, go vet, staticcheck, govulncheck, cfn-lint template.yaml"
	@echo "make bench  binary size, start-up time, gateway overhead, DynamoDB reads (ratios)"
	@echo "make clean  remove build outputs"

# Built, then run (not `go run`), so Ctrl-C's clean shutdown exits 0.
dev:
	bash infra/scripts/install-dynamodb-local.sh
	$(GO) build -o $(TOOLS_BIN)/flux-dev ./infra/cmd/flux-dev
	$(TOOLS_BIN)/flux-dev

test:
	bash infra/scripts/test.sh

# ------------------------------------------------------------------ build --
build: $(BOOTSTRAPS)

# Go's build cache makes rebuilding cheap, so always ask go (FORCE).
$(BUILD_DIR)/%/bootstrap: FORCE
	@mkdir -p $(@D)
	CGO_ENABLED=0 GOOS=linux GOARCH=$(LAMBDA_GOARCH) $(GO) build $(GO_LAMBDA_BUILD_FLAGS) -o $@ ./functions/$*

# build-<LogicalId>: SAM's makefile builder (sam build) sets ARTIFACTS_DIR.
# One target per template function, spelled out so SAM, grep and a reader
# find them; infra/templatecheck checks they match FUNCTIONS and template.yaml.
define sam-artifact
@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set (sam build sets it)"; exit 1; }
mkdir -p "$(ARTIFACTS_DIR)"
cp $< "$(ARTIFACTS_DIR)/bootstrap"
endef

.PHONY: $(foreach f,$(FUNCTIONS),build-$(call fn_id,$(f)))
build-AuthorizerFunction: $(BUILD_DIR)/authorizer/bootstrap             # functions/authorizer
	$(sam-artifact)
build-GraphqlFunction: $(BUILD_DIR)/graphql/bootstrap                   # functions/graphql
	$(sam-artifact)
build-GraphqlConfigFunction: $(BUILD_DIR)/graphql-config/bootstrap      # functions/graphql-config
	$(sam-artifact)
build-GraphqlStoresFunction: $(BUILD_DIR)/graphql-stores/bootstrap      # functions/graphql-stores
	$(sam-artifact)
build-GraphqlMappingsFunction: $(BUILD_DIR)/graphql-mappings/bootstrap  # functions/graphql-mappings
	$(sam-artifact)
build-GraphqlSyncFunction: $(BUILD_DIR)/graphql-sync/bootstrap          # functions/graphql-sync
	$(sam-artifact)
build-GraphqlReleasesFunction: $(BUILD_DIR)/graphql-releases/bootstrap  # functions/graphql-releases
	$(sam-artifact)
build-GraphqlWritesFunction: $(BUILD_DIR)/graphql-writes/bootstrap      # functions/graphql-writes
	$(sam-artifact)
build-OauthInstallFunction: $(BUILD_DIR)/oauth-install/bootstrap        # functions/oauth-install
	$(sam-artifact)
build-OauthCallbackFunction: $(BUILD_DIR)/oauth-callback/bootstrap      # functions/oauth-callback
	$(sam-artifact)
build-RestHealthFunction: $(BUILD_DIR)/rest-health/bootstrap            # functions/rest-health
	$(sam-artifact)
build-RestRateLimitsFunction: $(BUILD_DIR)/rest-rate-limits/bootstrap   # functions/rest-rate-limits
	$(sam-artifact)
build-RestObjectHistoryFunction: $(BUILD_DIR)/rest-object-history/bootstrap # functions/rest-object-history
	$(sam-artifact)
build-RestObjectDiffFunction: $(BUILD_DIR)/rest-object-diff/bootstrap    # functions/rest-object-diff
	$(sam-artifact)
build-RestObjectRevertFunction: $(BUILD_DIR)/rest-object-revert/bootstrap # functions/rest-object-revert
	$(sam-artifact)
build-RestAuditExportFunction: $(BUILD_DIR)/rest-audit-export/bootstrap  # functions/rest-audit-export
	$(sam-artifact)
build-McpFunction: $(BUILD_DIR)/mcp/bootstrap                          # functions/mcp
	$(sam-artifact)
build-RestHeartbeatFunction: $(BUILD_DIR)/rest-heartbeat/bootstrap      # functions/rest-heartbeat
	$(sam-artifact)
build-WebhookShopifyFunction: $(BUILD_DIR)/webhook-shopify/bootstrap    # functions/webhook-shopify
	$(sam-artifact)
build-WorkerSyncFunction: $(BUILD_DIR)/worker-sync/bootstrap            # functions/worker-sync
	$(sam-artifact)
build-WorkerDeployFunction: $(BUILD_DIR)/worker-deploy/bootstrap        # functions/worker-deploy
	$(sam-artifact)
build-WorkerEventsFunction: $(BUILD_DIR)/worker-events/bootstrap        # functions/worker-events
	$(sam-artifact)
build-ScheduleReconcileFunction: $(BUILD_DIR)/schedule-reconcile/bootstrap # functions/schedule-reconcile
	$(sam-artifact)
build-RestFilesUploadUrlFunction: $(BUILD_DIR)/rest-files-upload-url/bootstrap # functions/rest-files-upload-url
	$(sam-artifact)
build-RestFilesConfirmFunction: $(BUILD_DIR)/rest-files-confirm/bootstrap # functions/rest-files-confirm
	$(sam-artifact)
build-RestFilesDownloadUrlFunction: $(BUILD_DIR)/rest-files-download-url/bootstrap # functions/rest-files-download-url
	$(sam-artifact)
build-RestFilesGetFunction: $(BUILD_DIR)/rest-files-get/bootstrap # functions/rest-files-get
	$(sam-artifact)
build-RestFilesListFunction: $(BUILD_DIR)/rest-files-list/bootstrap # functions/rest-files-list
	$(sam-artifact)
build-RestFilesDeleteFunction: $(BUILD_DIR)/rest-files-delete/bootstrap # functions/rest-files-delete
	$(sam-artifact)

FORCE:

# ------------------------------------------------------------------- lint --
tools: $(STATICCHECK) $(GOVULNCHECK)
	@command -v cfn-lint >/dev/null || python3 -m pip install --quiet cfn-lint

$(STATICCHECK):
	GOBIN=$(TOOLS_BIN) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

$(GOVULNCHECK):
	GOBIN=$(TOOLS_BIN) $(GO) install golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION)

# govulncheck exits 3 when it finds vulnerabilities (lint fails). When it
# cannot reach its database (vuln.go.dev, offline machines) lint warns and
# goes on; any other failure fails lint.
lint: tools
	@unformatted="$$(gofmt -l $$(git ls-files --cached --others --exclude-standard '*.go'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt -l reports:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...
	@set +e; out="$$($(GOVULNCHECK) ./... 2>&1)"; rc=$$?; set -e; \
	if [ $$rc -eq 0 ]; then echo "govulncheck: no vulnerabilities"; \
	elif [ $$rc -eq 3 ]; then echo "$$out"; echo "govulncheck: vulnerabilities found"; exit 1; \
	elif grep -qiE 'vuln\.go\.dev|dial tcp|no such host|i/o timeout|connection refused|network is unreachable|TLS handshake|fetching vulnerabilities|vulnerability database' <<<"$$out"; then \
		echo "$$out" | tail -n 3; \
		echo "WARNING: govulncheck could not reach its vulnerability database; vulnerabilities NOT checked."; \
	else echo "$$out"; echo "govulncheck failed (exit $$rc)"; exit 1; fi
	cfn-lint template.yaml

# ------------------------------------------------------------------ bench --
# Builds every function and infra/bench/baseline (arm64 for size, the host's
# arch for start-up), runs them against a fake Lambda Runtime API, runs the
# gateway benchmarks, and prints ratios from this one run.
# DynamoDB Local (for the reads-per-request figure) is started by the bench
# program itself, in memory, on a free port.
BENCH_FLAGS ?=
bench:
	bash infra/scripts/install-dynamodb-local.sh || echo "bench: could not install DynamoDB Local; its section will report it"
	$(GO) run ./infra/bench -buildflags "$(GO_LAMBDA_BUILD_FLAGS)" -arch $(LAMBDA_GOARCH) \
		-dynamodb-local "$${FLUX_DYNAMODB_LOCAL_DIR:-$(CURDIR)/.tools/dynamodb-local}" $(BENCH_FLAGS)

clean:
	rm -rf $(BUILD_DIR) .aws-sam
