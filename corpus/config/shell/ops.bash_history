vim .env
make test
export OPENAI_API_KEY=sk-proj-wGGaMqEVDOoUQihx4-gq-8HAAoy6mifVzhSW8atnMeo0kORbx9wZO_gekL6xqg5vSxJF0wor7Gp4Ou6IQhM1v8jT3BlbkFJjQkTJWwuMEW4t_jyl5DMygaTIIZRIpbiEgIhL
git status
export ANTHROPIC_API_KEY=sk-ant-api03-bYfLfOZkx6nHq2pttd8ovRvYpL92Aq3V_1IJx6CLvBWIwRv8_gy2koaiN_IUEkgWSVOht078XP5GFgdnX2AZ0LN35d0rXAA
terraform plan
SLACK_TOKEN=xoxb-931865791225-6418350582247-gqbSX6ZQSdWoWgvkndiMh2Om ./notify.sh "deploy done"
npm run dev
stripe login --api-key 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
ls -la
export ANTHROPIC_API_KEY=sk-ant-api03-3PLYNwtF7J-IDo0hPWc6cUhXgi5ey2VofupIS1Ikv3sgl-UWGLmE1Sua4uxBwSpy5A4FXkyyASu7nMM8xMFSfk9J73KlQAA
htop
huggingface-cli login --token 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
python3 -m venv .venv
cd ~/src/infra
curl -H 'Authorization: Basic amVua2luczpCTUZOUUk1dFdjNERrR0xnaDQ=' https://jenkins.internal/job/deploy/build
git status
git status
git status
stripe login --api-key sk_live_bF7JPeYD3vzbawkx4oDhxHaj
git pull --rebase
curl -s 'https://maps.googleapis.com/maps/api/geocode/json?address=Main+St&key=AIzaq-J9h4Urq1gthaAxLVRgwqElr8F5ZiJgbDD'
make test
git pull --rebase
export AWS_ACCESS_KEY_ID=ASIAKB6GY6DUT5MVAGSZ
export AWS_SECRET_ACCESS_KEY=dnyJosW5C1Hy9uwb8M7lmSoh34X2sP6O5L53y2O1
kubectl get pods -n prod
git status
curl -s 'https://maps.googleapis.com/maps/api/geocode/json?address=Main+St&key=AIzaQUdrhEQ1byosiTIDR7lGEme7IepVHJlO9Kd'
vim .env
terraform plan
python3 -m venv .venv
npm run dev
export AWS_ACCESS_KEY_ID=ASIAV2J3UJMC7F2FI2MO
export AWS_SECRET_ACCESS_KEY=80FYcmW+U48EvtSKpH17ccg4r0jz136BrqG4hF5R
python3 -m venv .venv
huggingface-cli login --token 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
git pull --rebase
git checkout 3894121
terraform plan
docker ps
terraform plan
git pull --rebase
npm run dev
curl -H 'Authorization: Basic amVua2luczo4TDBBdWZMcnpCZHNxOEw2bXo=' https://jenkins.internal/job/deploy/build
kubectl get pods -n prod
python3 -m venv .venv
npm run dev
gh auth login --with-token <<< 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
docker ps
git pull --rebase
