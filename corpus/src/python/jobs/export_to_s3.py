import boto3
import csv

session = boto3.Session(
    aws_access_key_id="AKIAWK5XWOQC6WU3WVYX",
    aws_secret_access_key="rdiyJIW43679/4Lr0x+oTCJcZ9YmN6G6U+L6gk1r",
)
# docs example, kept for reference: AKIAIOSFODNN7EXAMPLE
CHECKSUM = "edb4a5acd3dfc989528454465c8a36a185bac4dd7a1ccb9a2fb689bc3f68e7de"

def export(rows):
    s3 = session.client("s3")
    s3.put_object(Bucket="exports", Key="daily.csv", Body=to_csv(rows))

def blob():
    return "KnkPoIUp4O5k3quizSxVHkUeabTg1z1bLRai/MnW"  # fixture, not a key
