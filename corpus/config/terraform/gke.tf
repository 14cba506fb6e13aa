terraform {
  required_version = ">= 1.5.2"
}

provider "google" {
  project     = "analytics-3696"
  credentials = <<EOF
{
  "type": "service_account",
  "project_id": "billing-warehouse-684397",
  "private_key_id": "302dc85dd9543da953b30ec2d252fbe2f4c2cf58",
  "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCWtT+myl3pyt+Q\n4zVr+713YFVR9syuU4FkOYO240xIQFcmg0XIYs/SfySAa1OEeu0XsGjQPrGrcnal\nOeC91rybwHQpXepX+tBo4kcHmJR5CP9xHlg5cnAHDNhsXkOeoJDj1tE0m99Eveeo\noA7q0mg7E6dCoM8bU5UimKvpqUJLyGwcMnl11rkpKiFAgG35RWucCnJ+G4J3e5ce\nM9e6dVVnDfaTUA06PBAqJa8D//snYX2yiwJHQ7X0sIF5LVMxqbYLoz1jWmyhIl6n\npuHYvg23X2ndE21tQDMRUG8kas75K/awg3gUX0cccu9wpz96ovCPqF2QKycMw8t7\nx1L0fygNp+Ol0kxE6jOy3euCgN3l6+1k2992x+tnR6rrNpuoOVBcKIlrklxKC0UI\nvCqr+gm0tZZAk+WexHE+A6eqEZLDI/JATn0zZQlAhCsk7ebGl3MZbtuSkAI0DXAp\n3Gd47l5SgBZ/RjzJBzovDM2kZzneVRepAew+cxqGHQqH2pMHGoI9m4CdeDU3Y+68\neH40o5/QfniURNRGCSpR8fhx4s5KBKFWpuq9T2OV2KHjLhFDc0sBIR0jf6A467M+\niqJCaoDFM75qU8xxowVvvjkNaqh8z7dOmGXlaYhzEdHpx60rXdb9PgXgBqIS4xig\n6IB8gZ+yIwU3JCUT8KXmvHfs+gFCJEMAR/R1BVCBcAwWOfOCPDbN5SILK02ArWoG\nl2nffrxXtcm4Sqf2+NpIewciAYqRIxfc02GYlInyHmil5SU7cFI+6tayIkyTPFCx\nsj1gaEBQvMUwACQJKvUIVVV35Lt71Z58LVSjgtg5cfMZlYn3pQeBGt7mmcw1wKMG\nivu551NxuaCcxSMiEPwjv09iqERjr1zgbc4cvF64E/Gh3sAvlCF4ZsGfK2TzZP+4\nNQ0k9Vu4t6kDIfwd83ZcIWPrDT04tcoA+3UdnrKW8uweQ0Pi4CA8h+HvdyWREbjq\nqK5NBX0KyHNLFjvIPqUqtXuGLZSc8ShHluE6C7z7FMubi8tFqx0n6UlXN/5dVZVw\nLlfduLyb5etpgCgOPhUxMunhK8Y5pGeCafC04EnFAZmT793bOy0OYXP8I2UyuOwW\nZBSoBKbPkS9tnwrTwmWTFBJ23MYPl2pgrKolFKgMxNVY6qzWI7amOBXQNVwP5ser\nqFBqsbExhbY6dFZQaZn+mskRQ/M+MKb6dTLO/PFHRJYM0CYptiIBcZJEQzZn4Yqr\ntWOcVDuQ/HkojAeS7DYGwLwL22cPgLfo+mAd4gHm2wjQr09UeNWgeKjH1E76xkoP\nXI06xoExhf4g3uAS1qK6Ux/n5s8JOdXvxiwN+32Ho29/cfxLI44JgiEHtcFIh57L\nvZ8RzHB41P0XKoGEADPiH2J8O06Bfb5kpCfDd+dhRI2gFaCzi/qIu89EnIjV6g79\n+23vhabgo4GuaGB0e+DHXBb/3lEcv7N3w0us5Wr+NGrH8H1kgaStbS4ZeVYInjVX\nM5k9J9jInbw2lZ7qqUax2lRtkfRvtKKEFEVJiOU9UAwSiD/QPpfkDgFJNlC0sCD0\nQxc5ks//gZEk2w==\n-----END PRIVATE KEY-----\n",
  "client_email": "etl-runner@billing-warehouse-684397.iam.gserviceaccount.com",
  "client_id": "390535277971680436468",
  "auth_uri": "https://accounts.google.com/o/oauth2/auth",
  "token_uri": "https://oauth2.googleapis.com/token",
  "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
  "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/etl-runner%40billing-warehouse-684397.iam.gserviceaccount.com",
  "universe_domain": "googleapis.com"
}
EOF
}

variable "maps_api_key" {
  default = "AIzawZtyam1D0U8UGJjBCiVpqPtqYbdiZxVnebD"
}

resource "google_compute_firewall" "office" {
  name          = "allow-office"
  source_ranges = ["203.0.113.101/32"]  # office ip
}
