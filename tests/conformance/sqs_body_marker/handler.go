package main

import (
	"context"
	"encoding/json"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

var queues *sqs.Client

func handler(ctx context.Context, event events.SQSEvent) error {
	for _, record := range event.Records {
		var body map[string]interface{}
		if err := json.Unmarshal([]byte(record.Body), &body); err != nil {
			return err
		}
		if enriched, _ := body["enriched"].(bool); enriched {
			continue
		}
		body["enriched"] = true
		out, err := json.Marshal(body)
		if err != nil {
			return err
		}
		_, err = queues.SendMessage(ctx, &sqs.SendMessageInput{
			QueueUrl: aws.String(os.Getenv("QUEUE_URL")), MessageBody: aws.String(string(out)),
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
