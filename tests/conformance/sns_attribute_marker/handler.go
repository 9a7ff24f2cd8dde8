package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	types "github.com/aws/aws-sdk-go-v2/service/sns/types"
)

var topics *sns.Client

func handler(ctx context.Context, event events.SNSEvent) error {
	for _, record := range event.Records {
		message := record.SNS
		if _, ok := message.MessageAttributes["processed"]; ok {
			continue
		}
		_, err := topics.Publish(ctx, &sns.PublishInput{
			TopicArn: aws.String(os.Getenv("TOPIC_ARN")),
			Message:  aws.String(message.Message),
			MessageAttributes: map[string]types.MessageAttributeValue{
				"processed": {DataType: aws.String("String"), StringValue: aws.String("true")},
			},
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func main() {
	cfg, _ := config.LoadDefaultConfig(context.Background())
	topics = sns.NewFromConfig(cfg)
	lambda.Start(handler)
}
