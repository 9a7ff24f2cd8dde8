package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	types "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

var bus *eventbridge.Client

func handler(ctx context.Context, event map[string]interface{}) error {
	_, err := bus.PutEvents(ctx, &eventbridge.PutEventsInput{
		Entries: []types.PutEventsRequestEntry{
			{Source: aws.String("app.orders"), DetailType: aws.String("OrderPlaced"), Detail: aws.String("{}")},
		},
	})
	return err
}

func main() {
	cfg, _ := config.LoadDefaultConfig(context.Background())
	bus = eventbridge.NewFromConfig(cfg)
	lambda.Start(handler)
}
