package graphql

import (
	"github.com/flux-platform/flux/shared/config/configgroup"
	"github.com/flux-platform/flux/shared/mapping/mappinggroup"
	"github.com/flux-platform/flux/shared/release/releasegroup"
	"github.com/flux-platform/flux/shared/stores"
	"github.com/flux-platform/flux/shared/sync/syncgroup"
	"github.com/flux-platform/flux/shared/writes/writesgroup"
)

// GroupFunctionEnv names, per resolver group, the gateway's environment
// variable holding that group's function (template.yaml:
// GROUP_FUNCTION_<GROUP>: !Ref <Function>). functions/graphql and the local
// stack both route by it.
var GroupFunctionEnv = map[string]string{
	configgroup.GroupName:  "GROUP_FUNCTION_CONFIG",
	stores.GroupName:       "GROUP_FUNCTION_STORES",
	mappinggroup.GroupName: "GROUP_FUNCTION_MAPPINGS",
	syncgroup.GroupName:    "GROUP_FUNCTION_SYNC",
	releasegroup.GroupName: "GROUP_FUNCTION_RELEASES",
	writesgroup.GroupName:  "GROUP_FUNCTION_WRITES",
}
