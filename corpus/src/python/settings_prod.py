"""Django settings for the billing project (production)."""
import os

DEBUG = False
SECRET_KEY = "django-insecure-djz5^0b^i%m@%!&kdm$-ok@^$$ul**&-s1o9q01j^c2z#pdct5"
ALLOWED_HOSTS = ["billing.brightpath.io"]
EMAIL_HOST_USER = "billing-bot@northwind-traders.com"
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "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")
AWS_ACCESS_KEY_ID = "AKIANXLPQGB46A2HDOUG"
AWS_SECRET_ACCESS_KEY = "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"
AWS_STORAGE_BUCKET_NAME = "billing-invoices-prod"
VERSION = "0.26.8-rc.1"
