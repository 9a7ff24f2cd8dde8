package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

var functions *awslambda.Client

func handler(ctx context.Context, event json.RawMessage) error {
	_, err := functions.Invoke(ctx, &awslambda.InvokeInput{
		FunctionName:   aws.String(lambdacontext.FunctionName),
		InvocationType: types.InvocationTypeEvent,
		Payload:        event,
	})
	return err
}

func main() {
	cfg, _ := config.LoadDefaultConfig(context.Background())
	functions = awslambda.NewFromConfig(cfg)
	lambda.Start(handler)
}
