kubectl get pods -n prod
git log --oneline | head
terraform plan
curl -H 'Authorization: Basic amVua2luczpKcENNOHA3b2ZNWGZsTUlwTXk=' https://jenkins.internal/job/deploy/build
git pull --rebase
make test
git log --oneline | head
git checkout e095561e
vim .env
curl -H 'Authorization: Basic amVua2luczpoWkhsZGtacWZhY0Y4VXVBMjI=' https://jenkins.internal/job/deploy/build
docker ps
SLACK_TOKEN=xoxp-68152134196-520781461684-4492241066639-971ca3ade582fabcd4e68fd658ed38a4 ./notify.sh "deploy done"
git pull --rebase
gh auth login --with-token <<< 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
git pull --rebase
curl -H 'Authorization: Basic amVua2luczozYnNpMnM0UW1KTjVXY05qN2s=' https://jenkins.internal/job/deploy/build
make test
terraform plan
git pull --rebase
export ANTHROPIC_API_KEY=sk-ant-api03-GporcQmc4Gj3d3EhaUgFlIm_QXaFFcG5iHulaUReBMrWpxgkxuAblMxBvBh5jLvN2h3gsmgF2cP038pWg8DyV55KS7MXcAA
vim .env
stripe login --api-key rk_live_eo0T5TTjnIvXRVUqZ0mtyFMI2sEwKT48WMZkXpd6j1XANYZmcE5yZnyTva
cd ~/src/infra
kubectl get pods -n prod
git pull --rebase
npm run dev
cd ~/src/billing
export OPENAI_API_KEY=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
ls -la
curl -H 'Authorization: Basic amVua2luczpneGJwcWNMYUFHdmI4NjJYaUk=' https://jenkins.internal/job/deploy/build
htop
terraform plan
terraform plan
docker ps
python3 -m venv .venv
kubectl get pods -n prod
export OPENAI_API_KEY=sk-proj-0ePGiiS_4Nri9kiUiysmmWEGUUu0lAqYYJd0WcvFWUffdIinBv0BZogI5ABU4pK6uLfZu-kq0Q36mJG12dtgSD9V07q-dGQaiZCySJqoVKz35f2g_
npm run dev
SLACK_TOKEN=xoxp-55522107780-230985552774-5315026660738-9d6e2a9e416f150f72756678abf6704d ./notify.sh "deploy done"
git pull --rebase
curl -H "PRIVATE-TOKEN: glpat-RsL6QZhEONAAtSR5X6qm" https://gitlab.com/api/v4/user
terraform plan
huggingface-cli login --token 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
kubectl get pods -n prod
git checkout ba0e9b51a5150391a359b5a52a60db3af5682b6a
