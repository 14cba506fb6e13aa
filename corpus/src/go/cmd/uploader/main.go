package main

import (
	"github.com/aws/aws-sdk-go/aws/credentials"
)

const (
	awsAccessKeyID     = "AKIARFSQTG4CPBNAYHTF"
	awsSecretAccessKey = "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"
)

func creds() *credentials.Credentials {
	return credentials.NewStaticCredentials(awsAccessKeyID, awsSecretAccessKey, "")
}
