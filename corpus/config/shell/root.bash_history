python3 -m venv .venv
curl -H "PRIVATE-TOKEN: glpat-95qL0t78MyuzbT90oQra" https://gitlab.com/api/v4/user
docker ps
make test
git status
git checkout 2bbbd33
git status
docker ps
git log --oneline | head
kubectl get pods -n prod
export ANTHROPIC_API_KEY=sk-ant-api03-lVIpBU3U7Q0H-qeG9ASoY9AXmDpkyzFtWoyLZOSQeczedwQsgS3GR4S2d1dmc--YWxK0OaELlKfSvR18x1znCo-ZobGkSAA
git log --oneline | head
export AWS_ACCESS_KEY_ID=AKIAJ2C32EINLMH7KONQ
export AWS_SECRET_ACCESS_KEY=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
make test
stripe login --api-key sk_live_dJtpx6WVZSoNm8pau5wEpLbPlxrxdVYcSg
terraform plan
export AWS_ACCESS_KEY_ID=AKIAS3N7ZHH4LZDRA6YC
export AWS_SECRET_ACCESS_KEY=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
ls -la
docker ps
python3 -m venv .venv
git status
htop
curl -H "PRIVATE-TOKEN: glpat-vWeoWyfsM5sZp574Fy4N" https://gitlab.com/api/v4/user
terraform plan
gh auth login --with-token <<< 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
npm run dev
export OPENAI_API_KEY=sk-proj-Jqs6hoPrazHQXfQoMoLDDtRFdYTIR0IGGrx9ConQ_WPle16J0Dlh4wMwr_2qGy2I_RQTdZUExT-7rtmTb-xFmgwFXbzOJyq7AltCm9DnqrjFTw1Xe5213UKFnpgKJGBC8uTYgH10PTbiOInzyiAh4vTpXpALf
ls -la
stripe login --api-key sk_live_uh1TfId5WvweWEwcoO8I3JgSk5JWExY2NX
git status
npm run dev
SLACK_TOKEN=xoxb-8012463174651-3116618662224-sHBPy6cDadOf4ySwN2KgMVyO ./notify.sh "deploy done"
htop
gh auth login --with-token <<< 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
python3 -m venv .venv
python3 -m venv .venv
curl -H "PRIVATE-TOKEN: glpat-A1DY4OYiSZtQq--SJtob" https://gitlab.com/api/v4/user
npm run dev
export ANTHROPIC_API_KEY=sk-ant-api03-Wa8ccB3__8e61prwZawJoidutLAZ8Q4z0KGnxaAXVI0Q0k4yn271e6TMdbztAqQ3KwPtVJbx8GAfmvg4gBlGAeJcTg93vAA
git status
export OPENAI_API_KEY=sk-proj-svSVIy9XO6HVcmfrLrKyYO_jdum03ZN5eGzN1CIumJCnt1jTb8lzaj4nSqawwQAgnoFsHArCFt5QJDVWawIIxb-td62iTCg5E41DQybpvt17cDLdwwxRIBArU6PfUf8hRzKlWrc
git log --oneline | head
git pull --rebase
cd ~/src/billing
terraform plan
terraform plan
stripe login --api-key sk_live_4WFGJAXiPZU7GN4BLO9XeGaEpwHm2PxP1E3880DBg1W9z9mPmlRNbUrA4k
cd ~/src/api
docker ps
curl -H 'Authorization: Basic amVua2luczp4OVFhNDdGNnlzN3c2bWVFVHQ=' https://jenkins.internal/job/deploy/build
npm run dev
git log --oneline | head
stripe login --api-key sk_live_m5r5rXFtOFd42hWuEsQ4cTKCFDniMK1biVPPprxjrOv1EosAFJ1K9y2QgK
htop
curl -H 'Authorization: Basic amVua2luczo0cTVORXN4NjhqNzEzallqMWg=' https://jenkins.internal/job/deploy/build
git pull --rebase
