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
	_, err := db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(os.Getenv("TABLE")),
		Item:                map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "x"}},
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	return err
}

func main() {
	cfg, _ := config.LoadDefaultConfig(context.Background())
	db = dynamodb.NewFromConfig(cfg)
	lambda.Start(handler)
}
