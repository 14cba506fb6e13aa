#!/usr/bin/env bash
set -euo pipefail
# build 90151
export OPENAI_API_KEY=sk-proj-B1WrGRETQK0-OngSwudN53xKfbRX0i5ADywuOraXGVMZ2bKVmGT2o7XqNqYilPLUAy2Ryd1_-nJZORQLCVx64AoZp2rMSChvaZhJ4DCt8uiJoAqaWALbsxGZ0LYIGKw9Hs-L6Ob
python3 summarize.py --since Aug 8, 2023 --to reports@brightpath.io
echo done
