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
	_, err := db.ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{
		Statement:  aws.String("UPDATE 'Orders' SET done = true WHERE pk = ?"),
		Parameters: []types.AttributeValue{&types.AttributeValueMemberS{Value: "1"}},
	})
	return err
}

func main() {
	cfg, _ := config.LoadDefaultConfig(context.Background())
	db = dynamodb.NewFromConfig(cfg)
	lambda.Start(handler)
}
