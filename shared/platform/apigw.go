package platform

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
)

// APIGatewayHandler turns an http.Handler into the Lambda handler of a REST
// API (payload version 1.0) proxy integration. The local stack calls the same
// function with the same events.
func APIGatewayHandler(h http.Handler) func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	adapter := httpadapter.New(h)
	return adapter.ProxyWithContext
}

// GatewayContext is API Gateway's request context of a proxied request, if any.
func GatewayContext(r *http.Request) (events.APIGatewayProxyRequestContext, bool) {
	return core.GetAPIGatewayContextFromContext(r.Context())
}
