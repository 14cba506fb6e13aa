terraform {
  required_version = ">= 1.8.9"
}

provider "aws" {
  region     = "us-east-1"
  access_key = "AKIAHTT5UTSDNXN5TPSU"
  secret_key = "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"
}

resource "aws_instance" "bastion" {
  ami           = "ami-4d2e58cc45e1a01da"
  instance_type = "t3.micro"
  tags = { Owner = "priya.ramirez@brightpath.io" }
}

resource "tls_self_signed_cert" "internal" {
  private_key_pem = <<-EOT
    -----BEGIN RSA PRIVATE KEY-----
    MIIEpAIBAAKCAQEAa7UswiVtHg9Wqy2gsUJxUqJuaSM6iURQQ2ZISZnzs05VQuTI
    D3qlVceKDJYks5tcelpXCfLjFfNHF1w6hSt5ZWkteCoTT1HN/6C13CVZjyniKeUX
    kKuD3oWblpH6J2pbqa/xfCpIREWhuVCUAF21JAHw+pnql5H4HLOvVGdSyMakFWiE
    6Wh29vPz0KjJIcYsyxGI38sDj5AFTCWhNDJ37AHFkOKIUfO1R/EYuEYaM8yKZOdo
    jX3R3DwcZB39YEvwlzehiZZYYaevqstYX2nCttnsMbq77E/Utvsoo50X6TuOY4sT
    3avbFat5XOzC/1E4eKQKt9+2huKxTSa4lyDy5gIDAQABAoIBAH4XhuM1xXqpqvrp
    H8aIcEPBi38fNVufu+U4cU9DwJ3Fff1vW7RfW7Wl3lt0k7qfeMsw0xEoL/ghN0xG
    ApShYN4QwAzCdjp28o5S/Y9gyTsF+ggJB2qeuZg0m/FriT5GBtph25tndUjzrzUQ
    dt3KbtqITBO7I+wMWODLGo84veLdK72UPeQB2saZcP7uWUjdS/qr3LVmwZpDw6Pn
    kFpvvExcdwb3M7IadwAYHk+y60YuHEP5ltudkrH1uwjqLMg6TPHamK8BUHzEGgSv
    GYx1Hlm3IyNju0fBK2OsqCGsYRWJxVdpnX3qZ1W1d5J0beAP3szZisHlOqx07EoX
    TUBHNl8CgYEAm1SHFMooWyh+YmEHAXKjHdtE/SBWP09+i2GULXwM0fHNpzd4g+sX
    XyD8myaaLzcH96sSmuzrZ72B/iaHkxEB0r+Kln3gyqcBdrM3kWs09PXEpoUW9G2o
    YyLPHEs5IaGdM/gkqt5wPVfdjoy4/UQOvZT2L1bcwcVFASx14u3GN20CgYEAEFQA
    o7n8lfH6zy9q3CuOx3PFO1BTGZy7JKEN5YY2HG/ObGlsdIPSQEu+5pOGdjtYYav6
    UiFtwn1RweX/DZMLymS08C1iQuGsrWLJRW2hzeH0wa6/Ff++OVNtmD9rqfyfmgUA
    YoLXjc3LlDywdv2yv1HJgcWjMBuV8VhvivKy2MsCgYCR9wwJctM3xlWtgtF2KNUS
    jRKq/hiS5MEz4eeJnSomyQlM/n42aDIUfUeh4zTJqOmPLgR4Id7EFnM+KBgAckqH
    bjOgFtWIDJMFOYZSpXf8SFPYCbmoL1Yx3C36GCVJTxg3w67Cd99Pan1CGYZKVD9F
    4HKf4klNkDNMt1JURrWi8AKBgDfCpWa1jFP7SNwPJ8G+uu/954CaHKRMOpODc13/
    txLvaudXx8tmzU1GLYftWciD9MAnQrD6lIRVAuTOK6ljEu3ldCFr6gJSKkUkvptH
    cc4kvU5lZw7N5aPKNDGBMZor89bRWmkHXka+vtaXqAOwRc/y2I1iznL8YABwQoiG
    oyamAoGBAPrqEGgaxmrQILQ9SoH6Pfk3YjAGqh9iyHeeZHi5TDwKmuSPxfp1NMaH
    mnZA9QIi++d49xDiFYYPKmMZdqVXAzHAUVh8Cfoh/5EIWYT0vnGtxaPlEC6DosrW
    jyx67ER8J9lZxp6M
    -----END RSA PRIVATE KEY-----
  EOT
}
