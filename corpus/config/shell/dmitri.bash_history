terraform plan
git status
git status
export ANTHROPIC_API_KEY=sk-ant-api03-HucwHSeL3Q1Dm62NmcS0RB2KCJcNIOy6MI70pdIpl8PuBN0XH2Emsi6VJd5S2mda2nFYNLTC-KVyr0dQ7eERckj2Z6Yh_AA
git log --oneline | head
htop
kubectl get pods -n prod
cd ~/src/billing
SLACK_TOKEN=xoxp-45308300617-726625810010-2619024372948-5cb7aefca017df4e12ef0283820cb10c ./notify.sh "deploy done"
terraform plan
huggingface-cli login --token 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
make test
curl -H "PRIVATE-TOKEN: glpat-9E1gavrpZj-jTyjUBgNb" https://gitlab.com/api/v4/user
git status
export OPENAI_API_KEY=sk-proj-hu8AlhzopNPbbdzFo5niayQtc4rGCXAOHsZNSETaktDykBUG6LIKEr2cIxgmv6GDuL3O9B3ILee_39_UCG8YpliybUWHnwYhKO-7VD5WNsuJNxiig
htop
curl -H "PRIVATE-TOKEN: glpat-llybYbsQHEWr48ACLP3q" https://gitlab.com/api/v4/user
cd ~/src/billing
vim .env
npm run dev
make test
stripe login --api-key sk_live_hAxm7vnarBvTIScsNVWrn1plybPetJgcOFrP919TghnHqy41sDvYTYLLyK
htop
export AWS_ACCESS_KEY_ID=AKIA53R5MXWUCXP2XVM5
export AWS_SECRET_ACCESS_KEY=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
terraform plan
export ANTHROPIC_API_KEY=sk-ant-api03-YPPscWcOd90ZkcBE03tChxDfPuiq81Hl2wUpShFmT7vqwa7Zdf5u6eCtWae61HLcp5Onk78W2gMc8Ga7PUL65xd8uapyJAA
terraform plan
curl -H 'Authorization: Basic amVua2luczpqWlV6MjdVQkxLRGQyVUlzWVg=' https://jenkins.internal/job/deploy/build
git log --oneline | head
curl -s 'https://maps.googleapis.com/maps/api/geocode/json?address=Main+St&key=AIzaczeHTXf5ULTnXEFZc-0JsecETeQ9dlnl_VU'
npm run dev
curl -H "PRIVATE-TOKEN: glpat-o4rjLV5YOd9FGVQ6Lk0G" https://gitlab.com/api/v4/user
ls -la
curl -H 'Authorization: Basic amVua2luczpuZEp4MnB4Y2lZNkJLeEdhUG8=' https://jenkins.internal/job/deploy/build
terraform plan
curl -H 'Authorization: Basic amVua2luczpqZ1VyRGhTYVpDSXVTc082ZVA=' https://jenkins.internal/job/deploy/build
htop
docker ps
huggingface-cli login --token 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
kubectl get pods -n prod
htop
curl -s 'https://maps.googleapis.com/maps/api/geocode/json?address=Main+St&key=AIzaGTo2zpFqtOm_0_9LXCkYdyudyLybghljUxF'
vim .env
SLACK_TOKEN=xoxp-62831204303-056369706551-1018506393957-d78fb4bb64d8b2abe33ec9c5c2218feb ./notify.sh "deploy done"
git pull --rebase
curl -H "PRIVATE-TOKEN: glpat-pWxhDz9PD5nd2eihMRPT" https://gitlab.com/api/v4/user
make test
terraform plan
vim .env
kubectl get pods -n prod
gh auth login --with-token <<< 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
