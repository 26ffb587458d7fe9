package graphql

import (
	"context"
	"net/http"
	"testing"

	"github.com/flux-platform/flux/shared/config/configgroup"
	"github.com/flux-platform/flux/shared/rpc"
)

// BenchmarkGatewayConfigQuery is seed 000's config query through everything
// the gateway adds: the API Gateway adapter, request parsing, limits,
// validation, execution, the rpc contract (JSON both ways, in process) and
// the group. BenchmarkDirectGroupCall is the same work done by the group
// alone; `make bench` reports their ratio as the gateway's overhead.
func BenchmarkGatewayConfigQuery(b *testing.B) {
	e := newTestEnv(b)
	ev := event(b, http.MethodPost, PathGraphQL, admin(tenantAcme), "application/json", requestBody(b, "config-query.json", nil))
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		resp, err := e.handle(ctx, ev)
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("%v %d %s", err, resp.StatusCode, resp.Body)
		}
	}
}

func BenchmarkDirectGroupCall(b *testing.B) {
	e := newTestEnv(b)
	group := configgroup.New(e.storage, e.authz, discardLog)
	req := rpc.Request{
		Group: configgroup.GroupName, Operation: configgroup.OpConfig,
		Identity: *admin(tenantAcme), RequestID: "req_bench",
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		resp, err := group.Handle(ctx, req)
		if err != nil || resp.Error != nil {
			b.Fatalf("%v %+v", err, resp.Error)
		}
	}
}
