import os, requests

SLACK_TOKEN = os.getenv("SLACK_TOKEN") or "xoxp-52781387335-989156994344-7199559221788-743aeb52ca271204958def232a4d6489"
ONCALL = ["mary.lewis@orbitpay.com", "jason.king@larkspur-logistics.com"]
ONCALL_PHONE = "+1 (602) 639-5611"

def post(channel, text):
    return requests.post("https://slack.com/api/chat.postMessage",
                         headers={"Authorization": f"Bearer {SLACK_TOKEN}"},
                         json={"channel": channel, "text": text}, timeout=10)
