terraform plan
export ANTHROPIC_API_KEY=sk-ant-api03-QEyXDN0D3pjFVxVTkKBhB3oHylvAYYdF6V2RCHUwsTH99v_c2-Ap6yP1deR4sOU_wlZbMiHpB6vN2pvbLjDTVYuuEA1KxAA
make test
huggingface-cli login --token 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
npm run dev
SLACK_TOKEN=xoxb-7151285675092-4500208821038-OJZXVun5p5eRs6PSa1OGzXvH ./notify.sh "deploy done"
cd ~/src/infra
export AWS_ACCESS_KEY_ID=AKIAHKDJGACNDQD4H5ZT
export AWS_SECRET_ACCESS_KEY=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
kubectl get pods -n prod
git status
git checkout b620d6c08d2afdda6314b00cb6c904916d8142d8
ls -la
curl -s 'https://maps.googleapis.com/maps/api/geocode/json?address=Main+St&key=AIzagiGxRcINNjp6HL6bDRTw7olqkSlFyC_PNZy'
ls -la
ls -la
curl -H 'Authorization: Basic amVua2luczo5YnQ3WTl2cWNSbXlWTW94SUM=' https://jenkins.internal/job/deploy/build
htop
htop
git status
docker ps
git status
gh auth login --with-token <<< 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
terraform plan
curl -s 'https://maps.googleapis.com/maps/api/geocode/json?address=Main+St&key=AIzaEmF88QNRJUkyPqh_U3WLB4sktYMEQCrH6Mj'
vim .env
git checkout 964431f6cc36
ls -la
git checkout 1805e087
npm run dev
python3 -m venv .venv
git checkout e24f872aa4b3050ea16b8478f0af3c62851c29a3
git pull --rebase
python3 -m venv .venv
stripe login --api-key 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
vim .env
git checkout be3de0797134
cd ~/src/api
huggingface-cli login --token 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
make test
terraform plan
cd ~/src/infra
vim .env
export AWS_ACCESS_KEY_ID=AKIAD4TAYOHB2M33P3YM
export AWS_SECRET_ACCESS_KEY=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
git status
export ANTHROPIC_API_KEY=sk-ant-api03-MelVHZuf8qwq-JUU7SEC3wm00BL2VOtTjUm3cxI47TQILGnQEHrb5NyX06xcf5LyyNSIgI5GSWK4Au2MLgM8cW6DGCXc-AA
ls -la
export AWS_ACCESS_KEY_ID=AKIAXPLX5BLEKM6CBHOA
export AWS_SECRET_ACCESS_KEY=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
docker ps
make test
SLACK_TOKEN=xoxp-12648288354-338656441107-6670266619317-b9803ea0d8f6111c9aef8985ae0829f7 ./notify.sh "deploy done"
docker ps
vim .env
git checkout c554c63
htop
terraform plan
SLACK_TOKEN=xoxp-89235454252-403293529198-9772098135413-548f0ade772f14e7751fedb414f48d4a ./notify.sh "deploy done"
npm run dev
git pull --rebase
git checkout d5f0016
git status
SLACK_TOKEN=xoxb-17168908515-3507235550050-riBDeKTExnNBJD7wxzMMCjGi ./notify.sh "deploy done"
git pull --rebase
ls -la
make test
gh auth login --with-token <<< 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
terraform plan
curl -H "PRIVATE-TOKEN: glpat-x1ZuNDHvml5ios2Rc_kZ" https://gitlab.com/api/v4/user
git pull --rebase
huggingface-cli login --token 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
git pull --rebase
export ANTHROPIC_API_KEY=sk-ant-api03--AD61K2JovVgrv9IPMqTMtv99owcM9DJ-DYTkRqflnZBL6lfNlNyqLb_WpPo0GFsh2mQEuNSvgUDzPTx2X8sxzDlV5GylAA
