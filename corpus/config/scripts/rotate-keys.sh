#!/usr/bin/env bash
set -euo pipefail
# build 202201227811
OLD_KEY=${AWS_SECRET_ACCESS_KEY}
NEW_SLACK_TOKEN=xoxb-046726776001-9724627834716-qpz88FEv6gEIrqiFiYbPdhpk
curl -X POST -H "Authorization: Bearer ${NEW_SLACK_TOKEN}" https://slack.com/api/auth.test
echo "rotated at $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo done
