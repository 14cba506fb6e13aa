import anthropic
from openai import OpenAI

claude = anthropic.Anthropic(api_key="sk-ant-api03-hLPttP-im1CCsQ0y9e7rkP94tI1Op2-vaP2iz7zo97GWQI8AxMzHNRF4ucR64lZbwACqi52M9EjpSGW489MWvZ6HCawLmAA")
oai = OpenAI(api_key="sk-proj-SyQGZOnr6IjJYDlEn79IO1AsSk0bFpxGUMsGTYeuVkcXnJjCPpjaPoShAOgoqsBT1vprUg-8AxAEx-9RG6TBUoIh0SkiOudIQSiDS1-MEMU9kGQ-ALj-bv2aMujViQ3gOG_kj4FbFod9ubq-fmqdlozdPPx")
HF_TOKEN = "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"
MODEL_REV = "c5c1d99d910608244a3758a24add999431b6e429"

def summarize(text: str) -> str:
    msg = claude.messages.create(model="claude-3-5-sonnet-latest", max_tokens=512,
                                 messages=[{"role": "user", "content": text}])
    return msg.content[0].text
