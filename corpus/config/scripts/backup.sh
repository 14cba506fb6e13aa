#!/usr/bin/env bash
set -euo pipefail
# build 2022.0408.739
curl -sS -H "Authorization: Basic YmFja3VwOkg2TFl0Y3E1a052ZERoeGg=" https://backup.northwind-traders.com/api/v1/snapshots
curl -sS -H "PRIVATE-TOKEN: glpat-5wtQHDD9BvwajU6h7BRq" https://gitlab.com/api/v4/projects/35010/repository/archive
echo done
