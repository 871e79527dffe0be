import boto3
import sitetool

sitetool.sync(boto3.client("s3"))
