package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	types "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

var db *dynamodb.Client

func handler(ctx context.Context, event map[string]interface{}) error {
	key := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "1"}}
	_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: aws.String(os.Getenv("ORDERS")), Item: key}},
			{ConditionCheck: &types.ConditionCheck{TableName: aws.String("Limits"), Key: key, ConditionExpression: aws.String("x")}},
			{Delete: &types.Delete{TableName: aws.String("Audit"), Key: key}},
		},
	})
	return err
}

func main() {
	cfg, _ := config.LoadDefaultConfig(context.Background())
	db = dynamodb.NewFromConfig(cfg)
	lambda.Start(handler)
}
