docker ps
curl -H "PRIVATE-TOKEN: glpat-OTk1KwbmT9xRrA-JU5UL" https://gitlab.com/api/v4/user
terraform plan
export OPENAI_API_KEY=sk-proj-jekO9GLBWzmBcuFjuO1abT3BlbkFJVFZO7Dm25JxbOgKhjvHwM-9Vdvg2kJE5RfJh1MROVeaMsVteYID9o-HMktg_Fb73CqIPbezyhe8T4aCsxOXW20am_GxX_yQ
kubectl get pods -n prod
vim .env
git checkout 6dd782ff
docker ps
stripe login --api-key sk_live_MqgtpzkkgJoXJqv8DlMCHvnaRXtORCHuLIr2VGTKrsovZ41dAyrcqMhIbv
git status
npm run dev
git pull --rebase
curl -s 'https://maps.googleapis.com/maps/api/geocode/json?address=Main+St&key=AIzaibA4zdYfquIakrsbj7pM1L6b6PmdnsG6FGa'
kubectl get pods -n prod
npm run dev
gh auth login --with-token <<< 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
git status
stripe login --api-key sk_live_hT5wXMZIEYwi46YCOY6OUtoX
kubectl get pods -n prod
export AWS_ACCESS_KEY_ID=AKIAU4SZEAVTSE4LMLX2
export AWS_SECRET_ACCESS_KEY=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
make test
terraform plan
export ANTHROPIC_API_KEY=sk-ant-api03-sLP8CluIifyHNtQJSAjt8qelXtPloJkZIBTqrpbB3K3WyogxcL8urzNTwijhuLA54o5v9JpxO8oKGF7XR8Ur2Dt5shs2WAA
cd ~/src/infra
export AWS_ACCESS_KEY_ID=ASIANB6JL44VKQU2XMCP
export AWS_SECRET_ACCESS_KEY=+ar90q75yy2pU2+742CcvO3f/zoILI5tO40UJ89W
vim .env
git checkout 3cb27d637fe011084de2b95b2ece511e6818dbb5
git pull --rebase
export AWS_ACCESS_KEY_ID=AKIAYQCUTZWG6MDPEBZI
export AWS_SECRET_ACCESS_KEY=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
ls -la
curl -s 'https://maps.googleapis.com/maps/api/geocode/json?address=Main+St&key=AIzak8Q-T5tpAwM_v4YHZBHF8dH4fgspChhHA3K'
vim .env
gh auth login --with-token <<< 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
python3 -m venv .venv
ls -la
SLACK_TOKEN=xoxp-46066878126-894594232904-3829315996951-84e62c06fba3f68c0d84e6e83c8a9616 ./notify.sh "deploy done"
git log --oneline | head
export OPENAI_API_KEY=sk-proj-dM3qtigNtMd8nRcTrd6vvDyow-KSp3Eh3ky__iAkI14oWDzUPn3-_NJDEirx6xXjlFZh8e82i3iRmKeEo9QbQxg2zwGi7TJkyXYUvIumzOSQARqg0CxzJpW8jIOp1gdsrsSDn3xwSVRMUmKKcncYw6
git pull --rebase
curl -s 'https://maps.googleapis.com/maps/api/geocode/json?address=Main+St&key=AIzaUPOrK_BSWit20wvVUxdv9D_uZsCEQ0riQ1N'
git status
export AWS_ACCESS_KEY_ID=ASIAMOMHR3ZZVXYNI7XG
export AWS_SECRET_ACCESS_KEY=jO5i0pQ3pvCK7YUuy9uzQqWqYQ10h/6tj4uVxzVN
vim .env
kubectl get pods -n prod
export ANTHROPIC_API_KEY=sk-ant-api03-ggGSjTnGKwiQD5f9CpuzbLoa70BeGlmT7DiUI877H1JSpULBJVj5JnwDLdZ6FCMVRxN-IFonkLa2LwkEn_WhO9hmIEeoXAA
vim .env
curl -s 'https://maps.googleapis.com/maps/api/geocode/json?address=Main+St&key=AIzarHIlBiPRHPAFJSWxoB7r2PU_LXV3Pe4F38c'
ls -la
export AWS_ACCESS_KEY_ID=AKIAAR6NTA7UVQ2DYQC3
export AWS_SECRET_ACCESS_KEY=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
terraform plan
git pull --rebase
docker ps
git status
npm run dev
export OPENAI_API_KEY=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
git status
