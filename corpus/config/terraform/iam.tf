terraform {
  required_version = ">= 1.4.5"
}

provider "aws" {
  region     = "us-east-1"
  access_key = "AKIAZV3OPN4NP6WQMM3H"
  secret_key = "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"
}

resource "aws_instance" "bastion" {
  ami           = "ami-f0a9451093cc5ba82"
  instance_type = "t3.micro"
  tags = { Owner = "timothy.harris@brightpath.io" }
}

resource "tls_self_signed_cert" "internal" {
  private_key_pem = <<-EOT
    -----BEGIN RSA PRIVATE KEY-----
    MIIEpAIBAAKCAQEATjjyhf0Mdp9wqWpqb3Enofd1iXYLQJgQKwFuRR0FxdFx+ONB
    iejROzRD9mAm6gZfOruor2CXoQ8QbEjqJCXt5rSjzjCjNXTH/+PL6jREoPTOanT0
    XrY/GvC5FfwYGGYF2i6F1uFzeCAgFpLGS+KSLD5ceavB8/6iVrhreCvySX86r7Ux
    3P6zGOwvd7mWa5gRWBwTL12ArZojnZ/bB2yx4CMiVzPYdvzQmkufBxKW9apJxeu7
    ho26tV7WMwqm+vwPMyS4y78Yx7/KXdaPSQpxfkgQ5mvUzOHyfTwl6uQThyF7daI7
    g2u7hLIUrKI+Or/GC76MucGZAEiFSac7MzkN7AIDAQABAoIBAOTwuY+QKYoJQpO8
    or73fKukmhaZ2BH8H+YpYrSP9abEnXC8gf+OEyGoEpOcVxlKEa9V6qe4TCVYtZpu
    mCsYyiuD/M5LvfVI4yIGpZSjeZqxCUnL6pKS5EvwJ641mfHQs8hIeJCaQdPVJ/oY
    /DTV5G9kBfP+7wJawwLY7B1OCrbYjDQjsPDntdG2Lz7RWmZOlEBVrNS/YQF61grS
    vPTcxZGYB9zYQmkXAlMa3v5T3IkssvNHg3LuFVKcrVp/zdaEcaGqDNMVVxVSmj6O
    9YowdCYRsPpKzffbzt8tpdvJPY4GuQXaRrgwRPIHgOMsggq3szjJBKR5n8TrFKOa
    K4kdbloCgYEAymHWcDoxT7/dQVsxR9pdsRRkBWl+kVIbnQtg7SQsbNanNr+rUA+W
    xJ2TL5bVTn3rCnKg4xY2BnyzfGcFpIjIOC0+LOdCOh61u+xeBoEqFwSgW+urX1QD
    OjBQ3VZG1TNSWC/rxbcrVcXcCdMaU3k4a2rUOTbyIEh1F5UiP7uRGYUCgYEAi+CO
    ipCZlJYP6jb0KN19ZF6iZG01LmNfRXmJo/hOih9024nFAeIdVZbotr/9MmjqkzGV
    yUK8SFFo/1fA6zan0NUVTO6giNXANSQbMRCkLbFsAlr6ygEFetfWd+5YLr6U58Dq
    7yho6XgG0/8jhLkRdsjGzwehhJ9EY86ywRDNsJMCgYCnJKAbc18Fi8pBpQhpXooR
    2YKkZtrSM3AfKj2G4OmQvExsKmelIC9sRXC6IZfJh+Qs122f9Q6jjxZlK07PIkP2
    SstcnpGHPIS14+l8Uxy/nzB8jEsndmPySciE3qn5ai2fWgvOhwpgUJCNjwrpDz7d
    CsXILIa1ZwYH9F2tOhCzwAKBgKcFXfI1JpHQkJADE3nkuI5e1bRhQrvfSFyky+Vj
    KkcPjKIHjGz4LqOzBbmBdioLD8QZSS+f9iOXjDBNz8auWhBqlgy8qsLBk7hmNExb
    cfyWYeJInPmWcRXh/iFvq3jWKh60HXWCZq+9hfZSL0jJDfyf/WMLr7EZLq+szG45
    8d6mAoGBAO5ygfOIYuaZU6SOGxcijlXqtwJEnFfCBCcg7SSSvJ0W2NyU2EIumQa9
    hquA4nQaA28EAzpD4PC6lfI3Ox9jgSX6UeUSMKan5xKO09oWG8JqyG1vHEU+JezS
    YDPbJt4hQ1VHfyOw
    -----END RSA PRIVATE KEY-----
  EOT
}
