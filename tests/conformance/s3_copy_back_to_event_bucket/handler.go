package main

import (
	"context"
	"path"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

var client *s3.Client

func handler(ctx context.Context, event events.S3Event) error {
	record := event.Records[0]
	bucket := record.S3.Bucket.Name
	key := record.S3.Object.Key
	_, err := client.CopyObject(ctx, &s3.CopyObjectInput{
		Bucket:     aws.String(bucket),
		Key:        aws.String("copies/" + path.Base(key)),
		CopySource: aws.String(bucket + "/" + key),
	})
	return err
}

func main() {
	cfg, _ := config.LoadDefaultConfig(context.Background())
	client = s3.NewFromConfig(cfg)
	lambda.Start(handler)
}
