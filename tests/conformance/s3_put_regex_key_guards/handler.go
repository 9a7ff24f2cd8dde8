package main

import (
	"context"
	"os"
	"regexp"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

var (
	client *s3.Client
	text   = regexp.MustCompile(`^.*\.txt$`)
	thumbs = regexp.MustCompile(`(?i)^thumbs/`)
)

func handler(ctx context.Context, event events.S3Event) error {
	for _, record := range event.Records {
		key := record.S3.Object.Key
		if text.MatchString(key) {
			continue
		}
		if thumbs.MatchString(key) {
			continue
		}
		_, err := client.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String(os.Getenv("OUT")), Key: aws.String(key + ".txt"), Body: strings.NewReader(""),
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func main() {
	cfg, _ := config.LoadDefaultConfig(context.Background())
	client = s3.NewFromConfig(cfg)
	lambda.Start(handler)
}
