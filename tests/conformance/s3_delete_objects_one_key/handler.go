package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

var client *s3.Client

func handler(ctx context.Context, event events.S3Event) error {
	key := event.Records[0].S3.Object.Key
	_, err := client.DeleteObjects(ctx, &s3.DeleteObjectsInput{
		Bucket: aws.String("scratch"),
		Delete: &types.Delete{Objects: []types.ObjectIdentifier{{Key: aws.String("tmp/" + key)}}},
	})
	return err
}

func main() {
	cfg, _ := config.LoadDefaultConfig(context.Background())
	client = s3.NewFromConfig(cfg)
	lambda.Start(handler)
}
