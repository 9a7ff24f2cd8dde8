package main

import (
	"context"
	"os"
	"path"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

var client *s3.Client

const source = "reports/summary.csv"

func handler(ctx context.Context, event map[string]interface{}) error {
	out := aws.String(os.Getenv("OUT"))
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: out, Key: aws.String(strings.TrimSuffix(source, path.Ext(source)) + ".json"), Body: strings.NewReader(""),
	}); err != nil {
		return err
	}
	_, err := client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: out, Key: aws.String("copies/" + path.Base(source)), Body: strings.NewReader(""),
	})
	return err
}

func main() {
	cfg, _ := config.LoadDefaultConfig(context.Background())
	client = s3.NewFromConfig(cfg)
	lambda.Start(handler)
}
