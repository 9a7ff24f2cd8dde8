package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	types "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

var db *dynamodb.Client

func handler(ctx context.Context, event map[string]interface{}) error {
	item := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "1"}}
	_, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
		RequestItems: map[string][]types.WriteRequest{
			"Orders": {{PutRequest: &types.PutRequest{Item: item}}},
			"Audit":  {{PutRequest: &types.PutRequest{Item: item}}},
		},
	})
	return err
}

func main() {
	cfg, _ := config.LoadDefaultConfig(context.Background())
	db = dynamodb.NewFromConfig(cfg)
	lambda.Start(handler)
}
