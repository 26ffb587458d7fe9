package health

import (
	"time"

	"github.com/flux-platform/flux/shared/platform"
)

// Component names in the report.
const (
	ComponentTable       = "table"
	ComponentSyncQueue   = "syncQueue"
	ComponentEventsQueue = "eventsQueue"
	ComponentDeployQueue = "deployQueue"
	ComponentBucket      = "bucket"
)

// DefaultTimeout bounds all checks of one request together.
const DefaultTimeout = 2 * time.Second

// Config names the dependencies to check.
type Config struct {
	TableName  string
	Queues     map[string]string // component name -> queue URL
	BucketName string
	Timeout    time.Duration
}

// LoadConfig reads the rest-health function's environment (template.yaml:
// TABLE_NAME, SYNC_QUEUE_URL, EVENTS_QUEUE_URL, DEPLOY_QUEUE_URL, BUCKET_NAME;
// HEALTH_TIMEOUT optional). Every missing variable is reported at once.
func LoadConfig(env *platform.Env) (Config, error) {
	cfg := Config{
		TableName: env.String("TABLE_NAME"),
		Queues: map[string]string{
			ComponentSyncQueue:   env.String("SYNC_QUEUE_URL"),
			ComponentEventsQueue: env.String("EVENTS_QUEUE_URL"),
			ComponentDeployQueue: env.String("DEPLOY_QUEUE_URL"),
		},
		BucketName: env.String("BUCKET_NAME"),
		Timeout:    env.Duration("HEALTH_TIMEOUT", DefaultTimeout),
	}
	if err := env.Err(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}
