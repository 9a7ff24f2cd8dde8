package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	types "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

var bus *eventbridge.Client

func handler(ctx context.Context, event events.CloudWatchEvent) error {
	if event.Source == "app.billing" {
		return nil
	}
	_, err := bus.PutEvents(ctx, &eventbridge.PutEventsInput{
		Entries: []types.PutEventsRequestEntry{
			{Source: aws.String("app.billing"), EventBusName: aws.String(os.Getenv("BUS")), Detail: aws.String("{}")},
		},
	})
	return err
}

func main() {
	cfg, _ := config.LoadDefaultConfig(context.Background())
	bus = eventbridge.NewFromConfig(cfg)
	lambda.Start(handler)
}
