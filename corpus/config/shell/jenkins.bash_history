ls -la
terraform plan
gh auth login --with-token <<< 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
docker ps
export AWS_ACCESS_KEY_ID=ASIADVGC2SOH4KYSGFOT
export AWS_SECRET_ACCESS_KEY=Rme4N/BZq959V5Uo+hlbBVMgM2ZW2GCsrc7tL/zo
make test
huggingface-cli login --token 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
kubectl get pods -n prod
vim .env
export AWS_ACCESS_KEY_ID=AKIAXD57JWDIAAZZVLHN
export AWS_SECRET_ACCESS_KEY=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
npm run dev
python3 -m venv .venv
terraform plan
ls -la
gh auth login --with-token <<< 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
kubectl get pods -n prod
htop
python3 -m venv .venv
git pull --rebase
curl -H "PRIVATE-TOKEN: glpat-WuK2Vl2DMseerlbXnclh" https://gitlab.com/api/v4/user
ls -la
export AWS_ACCESS_KEY_ID=ASIAYGXQSVHLQEQ77LCU
export AWS_SECRET_ACCESS_KEY=FxdE+3k3E5noNjSm98a4gr06SzO0kr65WBb2j843
htop
export OPENAI_API_KEY=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
git status
stripe login --api-key sk_live_17PziqYmziZNF55dGGanQStD
docker ps
kubectl get pods -n prod
export OPENAI_API_KEY=sk-proj-Ttm8dymxwP9YZgntLxWfNFOml7Ewu4THavtYz0uBfYF1a-47ih1WmUZ9XX_GDn9RN1EaSSgmtkI32no8o4fcWTBD7cBvuKfRgls1pgdD46z6J-y4E76q7QWqv9tw9YdS6dneDPMeSXgrm-dt
htop
curl -H 'Authorization: Basic amVua2luczpaNWJGTUhxdUpvc0Q4YTF6ckU=' https://jenkins.internal/job/deploy/build
git log --oneline | head
curl -H 'Authorization: Basic amVua2luczpsV1lqbzQyWDVLck13aldSTlA=' https://jenkins.internal/job/deploy/build
make test
export ANTHROPIC_API_KEY=sk-ant-api03-AmVil-qXRznfW-j3wSD1A8AVQWcCSRzQ2OnKXlS_W5FgSXkWFCruM6G9hEh1hwkZTOOAzaaCqtLSHdlhSJ8ch5uPpauz3AA
terraform plan
huggingface-cli login --token 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
cd ~/src/billing
curl -H 'Authorization: Basic amVua2luczpCRFBNTk5meXhQMmIxeXVPeDQ=' https://jenkins.internal/job/deploy/build
cd ~/src/infra
npm run dev
docker ps
export ANTHROPIC_API_KEY=sk-ant-api03-xSSTInStpnnb3YC7Fepi84ZSjxbyelD_3inSbhlaVfaFNXkpmxSFl13dz4aJCaVF7j2_q-v5EIIE2Dv5UV27Ofag1kT8_AA
make test
ls -la
ls -la
ls -la
curl -H 'Authorization: Basic amVua2luczpNck5mWm5XTzZKbXRkYW9ZZVU=' https://jenkins.internal/job/deploy/build
git log --oneline | head
export OPENAI_API_KEY=sk-proj-7aqNH3HYDtyALphM_LDxojMgkerCIpfW83bcyTxvV5LNSgxNqAVkMPnPgvgGpBFpv2CvoO_vbrmIEpkKmtmoOgUvm33WC86EBkSwC4wxKjPC
cd ~/src/api
curl -s 'https://maps.googleapis.com/maps/api/geocode/json?address=Main+St&key=AIzaoRcybd3T8kkMxxA0xHsYH-1Hp7PuvC3ZAJ3'
vim .env
gh auth login --with-token <<< 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
make test
