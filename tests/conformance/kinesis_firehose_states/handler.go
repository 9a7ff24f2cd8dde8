package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	fhtypes "github.com/aws/aws-sdk-go-v2/service/firehose/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

var (
	streams  *kinesis.Client
	delivery *firehose.Client
	machines *sfn.Client
)

func handler(ctx context.Context, event map[string]interface{}) error {
	if _, err := streams.PutRecord(ctx, &kinesis.PutRecordInput{
		StreamARN: aws.String(os.Getenv("STREAM_ARN")), Data: []byte("x"), PartitionKey: aws.String("p"),
	}); err != nil {
		return err
	}
	if _, err := delivery.PutRecordBatch(ctx, &firehose.PutRecordBatchInput{
		DeliveryStreamName: aws.String("archive"), Records: []fhtypes.Record{{Data: []byte("x")}},
	}); err != nil {
		return err
	}
	_, err := machines.StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: aws.String(os.Getenv("MACHINE")), Input: aws.String("{}"),
	})
	return err
}

func main() {
	cfg, _ := config.LoadDefaultConfig(context.Background())
	streams = kinesis.NewFromConfig(cfg)
	delivery = firehose.NewFromConfig(cfg)
	machines = sfn.NewFromConfig(cfg)
	lambda.Start(handler)
}
