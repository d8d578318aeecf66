package testenv

import "github.com/aws/aws-sdk-go-v2/service/s3"

func listInput(bucket string) *s3.ListObjectsV2Input {
	return &s3.ListObjectsV2Input{Bucket: &bucket}
}
