terraform {
  required_version = ">= 1.6.9"
}

provider "google" {
  project     = "analytics-7767"
  credentials = <<EOF
{
  "type": "service_account",
  "project_id": "etl-warehouse-455840",
  "private_key_id": "e05c5d4bbcfd4eededac334022d8d6c135060e7f",
  "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQBWxccWNEQ/XM7G\nY7QewtGyIZgRXC0GFOMSGMSu6HaixxW1sRwRqMNgRZBwhbjlhM/CjoBTvNkVOPdl\n9CCn4bCz3lPmvRGbICJ611aPRRtOll7CTl03vjiehAd/HiDbByNY19YK9gPOfaBO\njm7tw5IA7V6N6qYxpPbTXwQhl2Xvy/mJOnrx/I8dlJarceVatE47jKFOjxU4GyZd\nc2Jx6BKWSof9+5Fj8lhBjj16riXcZsWhzud2bq2fBRyHd/gOA+ElvqhfEgLYQc+m\nUtGu15iHouaI0/D7Eej0YCub7wd/Eratu996Ny/UxUCRRikTN6fDhA7gMloQnWa7\nTKUh/k7AC+kz6BrNft1ZNGDU/6VJ9jurLAwesx8e0pZeETmU5twF/y5/E3zbi8xI\n1w4oNMjNNTsxuhg652SepW0+Ksv2QIv2VbFW1UqAGGNPwnqTWEFt8GrACdjx1A2D\nrOokHwT/L17ol2Hsp1sjybQWwO0wabCzN2jsMESTIPvstGEuavJB28+U4IL6Zuyn\nqqXQeBlUU46MaLhK0m6380LMhmMNQ3ItqQrW90eQg82vn3c/IWLux37BDdsYxhgV\n8XFzpq77OeuTVJ64CyKCMzdedSxg4ARgqYauV2c8uv5SvGm1lzOtgIoQrl9mcnhE\nAjQkkfXCO5AFhlSkY3kAJTL/A5gVaWvi9yzqcn6NhixUNU4oA70eHjQXKRzPioNH\nleLzJLOuSRoMnK5tDtI4GY30RgVgYij/3PuXfK6/R78QeouZZarazGQhCNLj8sjI\nq1vtBtDV7GbiGvZIkGosPBNtCyZlS1e4BBPjGXYrGEIchhNYVLGr1sX3pTgqxPmj\nirA+LBEY1AHPrj3rdebPCZTGLSvm4ND6bUdJizeRYJwxoGNXWXnvCI4Px+RApYb9\nCrTESwnZVVr6NqUyjBHUt2dVUJdqXbysRFpGuSA90NDHElzIb4UI7wxAH4LAW0Ig\nbwoBPE1ggOgpHR2CaFJvk8ZlCQHdph55VKvZ77kBWdykPeFR/9oIXIVDqpT0Z2y1\nMmqgHIl90czpRTctKmWMayg+11+7dPGhDAJOl6NWJC3XgvQPeBzszDwyXZHRQBBb\nxRlzlbp0E25NnI5tm6CpbP1O3PspZwy0F+Du3Y4yJcaljtlLPfGZ8IsfMrK4UQPM\n03pOlnStnHXsJkCLc5L5pG+CFE5eMwlDivODox6SmjgrWRMGcTSFpOE3ZVUJvIRF\nj6qYn8crr5K0ndsR/9wTODE47e7rQgfeRBVc5vCT4nn9Graxhw+/lGe9OUJan+ZI\nEL3dwyqInx2IFFDnVAyfHDpHoF54svqAxi9NKBT4ByzlSqSDul5wED04JzxESSKG\nre2Yr+ZS3dImFtujKhy6J9n6mp7KADQiZVitLcR/5eFg8cXQEt7uxvR0NWxRRtE+\n/C6cW1aYunHgjKJOZbWMVdr4u77Uxj+O+yNnM7cGrxy4MjWDbLpnUQFg7Vs4yZSP\nvezRroAYM2fGX5Rs97psQ2aVEGh/1FXR1eyfUOI80RTJ//RKLz1Vf+7bnxkbOZ7W\niOXCLSXHiQNJpg==\n-----END PRIVATE KEY-----\n",
  "client_email": "etl-runner@etl-warehouse-455840.iam.gserviceaccount.com",
  "client_id": "871213030150699033372",
  "auth_uri": "https://accounts.google.com/o/oauth2/auth",
  "token_uri": "https://oauth2.googleapis.com/token",
  "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
  "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/etl-runner%40etl-warehouse-455840.iam.gserviceaccount.com",
  "universe_domain": "googleapis.com"
}
EOF
}

variable "maps_api_key" {
  default = "AIzaRfckdrZofnTgrB2YMFcLOme2hkcjLr4AbiA"
}

resource "google_compute_firewall" "office" {
  name          = "allow-office"
  source_ranges = ["203.0.113.229/32"]  # office ip
}
