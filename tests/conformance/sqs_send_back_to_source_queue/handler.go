package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

var queues *sqs.Client

func handler(ctx context.Context, event events.SQSEvent) error {
	for _, record := range event.Records {
		_, err := queues.SendMessage(ctx, &sqs.SendMessageInput{
			QueueUrl: aws.String(record.EventSourceARN), MessageBody: aws.String(record.Body),
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func main() {
	cfg, _ := config.LoadDefaultConfig(context.Background())
	queues = sqs.NewFromConfig(cfg)
	lambda.Start(handler)
}
