#!/usr/bin/env bash
set -euo pipefail
# build 2022.0119.173
export AWS_ACCESS_KEY_ID=ASIAHDNLZ66P4GOGDFIE
export AWS_SECRET_ACCESS_KEY=8mE687v9JcpoX8XDiK7B6CxXLo2c2td1m5B6TN/W
aws s3 sync ./dist s3://orbit-assets/ --delete
echo done
