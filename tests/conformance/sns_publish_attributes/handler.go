package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	types "github.com/aws/aws-sdk-go-v2/service/sns/types"
)

var topics *sns.Client

func handler(ctx context.Context, event map[string]interface{}) error {
	_, err := topics.Publish(ctx, &sns.PublishInput{
		TopicArn: aws.String(os.Getenv("TOPIC")),
		Message:  aws.String("done"),
		MessageAttributes: map[string]types.MessageAttributeValue{
			"kind":   {DataType: aws.String("String"), StringValue: aws.String("result")},
			"origin": {DataType: aws.String("String"), StringValue: aws.String("worker")},
		},
	})
	return err
}

func main() {
	cfg, _ := config.LoadDefaultConfig(context.Background())
	topics = sns.NewFromConfig(cfg)
	lambda.Start(handler)
}
