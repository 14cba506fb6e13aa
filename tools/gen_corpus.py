#!/usr/bin/env python3
"""Generate trawl's labeled accuracy corpus.

    python3 tools/gen_corpus.py            # writes corpus/ and corpus/ground-truth.jsonl

Deterministic (fixed seed, stdlib only): running it twice gives byte-identical
output.  Every planted sensitive value is recorded in corpus/ground-truth.jsonl
with its byte span; anything not listed there is a negative.  Hard negatives
(look-alikes that must NOT be reported) are counted by kind and listed, also
without raw values, in corpus/hard-negatives.jsonl.

Before writing, the generator self-checks every label: the bytes at
[byte_start, byte_end) are the planted value, the value passes its checksum /
structure validator, keyword-required values have a keyword nearby (or in their
CSV column / JSON key), keyword-free variants have none, and a set of "lint"
detectors re-scan every file so that no unlabeled valid instance slips in.
"""

import base64
import datetime
import json
import os
import random
import re
import shutil
import struct
import sys
import zlib
from collections import Counter, OrderedDict

SEED = 0x7124A1
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
OUT = os.path.join(ROOT, "corpus")

rng = random.Random(SEED)

# ---------------------------------------------------------------------------
# Type names.  IBAN country -> Macie managed data identifier (one table, so the
# names can be fixed in one place).
# ---------------------------------------------------------------------------

IBAN_TYPES = OrderedDict([
    ("AL", "ALBANIA_BANK_ACCOUNT_NUMBER"),
    ("AD", "ANDORRA_BANK_ACCOUNT_NUMBER"),
    ("BA", "BOSNIA_AND_HERZEGOVINA_BANK_ACCOUNT_NUMBER"),
    ("BR", "BRAZIL_BANK_ACCOUNT_NUMBER"),
    ("BG", "BULGARIA_BANK_ACCOUNT_NUMBER"),
    ("CR", "COSTA_RICA_BANK_ACCOUNT_NUMBER"),
    ("HR", "CROATIA_BANK_ACCOUNT_NUMBER"),
    ("CY", "CYPRUS_BANK_ACCOUNT_NUMBER"),
    ("CZ", "CZECH_REPUBLIC_BANK_ACCOUNT_NUMBER"),
    ("DK", "DENMARK_BANK_ACCOUNT_NUMBER"),
    ("DO", "DOMINICAN_REPUBLIC_BANK_ACCOUNT_NUMBER"),
    ("EG", "EGYPT_BANK_ACCOUNT_NUMBER"),
    ("EE", "ESTONIA_BANK_ACCOUNT_NUMBER"),
    ("FO", "FAROE_ISLANDS_BANK_ACCOUNT_NUMBER"),
    ("FI", "FINLAND_BANK_ACCOUNT_NUMBER"),
    ("FR", "FRANCE_BANK_ACCOUNT_NUMBER"),
    ("GE", "GEORGIA_BANK_ACCOUNT_NUMBER"),
    ("DE", "GERMANY_BANK_ACCOUNT_NUMBER"),
    ("GR", "GREECE_BANK_ACCOUNT_NUMBER"),
    ("GL", "GREENLAND_BANK_ACCOUNT_NUMBER"),
    ("HU", "HUNGARY_BANK_ACCOUNT_NUMBER"),
    ("IS", "ICELAND_BANK_ACCOUNT_NUMBER"),
    ("IE", "IRELAND_BANK_ACCOUNT_NUMBER"),
    ("IT", "ITALY_BANK_ACCOUNT_NUMBER"),
    ("JO", "JORDAN_BANK_ACCOUNT_NUMBER"),
    ("XK", "KOSOVO_BANK_ACCOUNT_NUMBER"),
    ("LI", "LIECHTENSTEIN_BANK_ACCOUNT_NUMBER"),
    ("LT", "LITHUANIA_BANK_ACCOUNT_NUMBER"),
    ("MT", "MALTA_BANK_ACCOUNT_NUMBER"),
    ("MR", "MAURITANIA_BANK_ACCOUNT_NUMBER"),
    ("MU", "MAURITIUS_BANK_ACCOUNT_NUMBER"),
    ("MC", "MONACO_BANK_ACCOUNT_NUMBER"),
    ("ME", "MONTENEGRO_BANK_ACCOUNT_NUMBER"),
    ("NL", "NETHERLANDS_BANK_ACCOUNT_NUMBER"),
    ("MK", "NORTH_MACEDONIA_BANK_ACCOUNT_NUMBER"),
    ("PL", "POLAND_BANK_ACCOUNT_NUMBER"),
    ("PT", "PORTUGAL_BANK_ACCOUNT_NUMBER"),
    ("SM", "SAN_MARINO_BANK_ACCOUNT_NUMBER"),
    ("SN", "SENEGAL_BANK_ACCOUNT_NUMBER"),
    ("RS", "SERBIA_BANK_ACCOUNT_NUMBER"),
    ("SK", "SLOVAKIA_BANK_ACCOUNT_NUMBER"),
    ("SI", "SLOVENIA_BANK_ACCOUNT_NUMBER"),
    ("ES", "SPAIN_BANK_ACCOUNT_NUMBER"),
    ("SE", "SWEDEN_BANK_ACCOUNT_NUMBER"),
    ("CH", "SWITZERLAND_BANK_ACCOUNT_NUMBER"),
    ("TL", "TIMOR_LESTE_BANK_ACCOUNT_NUMBER"),
    ("TN", "TUNISIA_BANK_ACCOUNT_NUMBER"),
    ("TR", "TURKIYE_BANK_ACCOUNT_NUMBER"),
    ("GB", "UK_BANK_ACCOUNT_NUMBER"),
    ("UA", "UKRAINE_BANK_ACCOUNT_NUMBER"),
    ("AE", "UNITED_ARAB_EMIRATES_BANK_ACCOUNT_NUMBER"),
    ("VG", "VIRGIN_ISLANDS_BANK_ACCOUNT_NUMBER"),
])

# BBAN structure per country (ISO 13616 registry notation: n digits, a upper
# letters, c upper alnum).  Fixed literal parts are given as ("lit", "...").
IBAN_BBAN = {
    "AL": [("n", 8), ("c", 16)],
    "AD": [("n", 4), ("n", 4), ("c", 12)],
    "BA": [("n", 3), ("n", 3), ("n", 8), ("n", 2)],
    "BR": [("n", 8), ("n", 5), ("n", 10), ("a", 1), ("c", 1)],
    "BG": [("a", 4), ("n", 4), ("n", 2), ("c", 8)],
    "CR": [("lit", "0"), ("n", 3), ("n", 14)],
    "HR": [("n", 7), ("n", 10)],
    "CY": [("n", 3), ("n", 5), ("c", 16)],
    "CZ": [("n", 4), ("n", 6), ("n", 10)],
    "DK": [("n", 4), ("n", 9), ("n", 1)],
    "DO": [("a", 4), ("n", 20)],
    "EG": [("n", 4), ("n", 4), ("n", 17)],
    "EE": [("n", 2), ("n", 2), ("n", 11), ("n", 1)],
    "FO": [("n", 4), ("n", 9), ("n", 1)],
    "FI": [("n", 3), ("n", 11)],
    "FR": [("n", 5), ("n", 5), ("c", 11), ("n", 2)],
    "GE": [("a", 2), ("n", 16)],
    "DE": [("n", 8), ("n", 10)],
    "GR": [("n", 3), ("n", 4), ("c", 16)],
    "GL": [("n", 4), ("n", 9), ("n", 1)],
    "HU": [("n", 3), ("n", 4), ("n", 1), ("n", 15), ("n", 1)],
    "IS": [("n", 4), ("n", 2), ("n", 6), ("n", 10)],
    "IE": [("a", 4), ("n", 6), ("n", 8)],
    "IT": [("a", 1), ("n", 5), ("n", 5), ("c", 12)],
    "JO": [("a", 4), ("n", 4), ("c", 18)],
    "XK": [("n", 4), ("n", 10), ("n", 2)],
    "LI": [("n", 5), ("c", 12)],
    "LT": [("n", 5), ("n", 11)],
    "MT": [("a", 4), ("n", 5), ("c", 18)],
    "MR": [("n", 5), ("n", 5), ("n", 11), ("n", 2)],
    "MU": [("a", 4), ("n", 2), ("n", 2), ("n", 12), ("lit", "000"), ("lit", "MUR")],
    "MC": [("n", 5), ("n", 5), ("c", 11), ("n", 2)],
    "ME": [("n", 3), ("n", 13), ("n", 2)],
    "NL": [("a", 4), ("n", 10)],
    "MK": [("n", 3), ("c", 10), ("n", 2)],
    "PL": [("n", 8), ("n", 16)],
    "PT": [("n", 4), ("n", 4), ("n", 11), ("n", 2)],
    "SM": [("a", 1), ("n", 5), ("n", 5), ("c", 12)],
    "SN": [("lit", "SN"), ("n", 3), ("n", 5), ("n", 12), ("n", 2)],
    "RS": [("n", 3), ("n", 13), ("n", 2)],
    "SK": [("n", 4), ("n", 6), ("n", 10)],
    "SI": [("n", 5), ("n", 8), ("n", 2)],
    "ES": [("n", 4), ("n", 4), ("n", 1), ("n", 1), ("n", 10)],
    "SE": [("n", 3), ("n", 16), ("n", 1)],
    "CH": [("n", 5), ("c", 12)],
    "TL": [("n", 3), ("n", 14), ("n", 2)],
    "TN": [("n", 2), ("n", 3), ("n", 13), ("n", 2)],
    "TR": [("n", 5), ("lit", "0"), ("c", 16)],
    "GB": [("a", 4), ("n", 6), ("n", 8)],
    "UA": [("n", 6), ("c", 19)],
    "AE": [("n", 3), ("n", 16)],
    "VG": [("a", 4), ("n", 16)],
}
IBAN_LEN = {"AL": 28, "AD": 24, "BA": 20, "BR": 29, "BG": 22, "CR": 22, "HR": 21, "CY": 28,
            "CZ": 24, "DK": 18, "DO": 28, "EG": 29, "EE": 20, "FO": 18, "FI": 18, "FR": 27,
            "GE": 22, "DE": 22, "GR": 27, "GL": 18, "HU": 28, "IS": 26, "IE": 22, "IT": 27,
            "JO": 30, "XK": 20, "LI": 21, "LT": 20, "MT": 31, "MR": 27, "MU": 30, "MC": 27,
            "ME": 22, "NL": 18, "MK": 19, "PL": 28, "PT": 25, "SM": 27, "SN": 28, "RS": 22,
            "SK": 24, "SI": 19, "ES": 24, "SE": 24, "CH": 21, "TL": 23, "TN": 24, "TR": 26,
            "GB": 22, "UA": 29, "AE": 23, "VG": 24}
# Countries whose BBAN ends in national check digits computed with ISO 7064
# mod 97-10 over the BBAN, which makes the IBAN check digits constant.
IBAN_NATIONAL_MOD97 = {"BA": "39", "ME": "25", "MK": "07", "RS": "35", "SI": "56",
                       "TL": "38", "MR": "13", "TN": "59", "PT": "50"}
# Realistic leading bank identifiers.
IBAN_BANKS = {
    "DE": ["37040044", "10070000", "50010517", "20041133", "70020270", "12030000", "50070010", "76026000"],
    "GB": ["NWBK", "BARC", "LOYD", "HBUK", "MIDL", "MONZ", "SRLG"],
    "IE": ["AIBK", "BOFI", "IPBS"],
    "NL": ["ABNA", "INGB", "RABO", "TRIO", "SNSB"],
    "FR": ["30006", "30004", "20041", "30003", "10278", "17515"],
    "MC": ["11222", "30003", "12739"],
    "ES": ["2100", "0049", "0182", "0081", "2085"],
    "IT": ["03069", "02008", "05034", "03062"],
    "SM": ["03225", "06067", "08540"],
    "CH": ["00762", "00230", "08390", "00700"],
    "LI": ["08810", "08800", "08805"],
    "PL": ["10901014", "11402004", "10202498", "10501445"],
    "SE": ["500", "800", "600", "300"],
    "DK": ["0040", "3000", "5301"],
    "BG": ["BNBG", "UNCR", "STSA", "FINV"],
    "MT": ["MALT", "VALL", "APSB"],
    "JO": ["CBJO", "ARAB", "HBHO"],
    "DO": ["BAGR", "BPDO", "BRRD"],
    "VG": ["VPVG", "FCIB"],
    "MU": ["BOMM", "MCBL", "SGBM"],
    "GE": ["NB", "TB", "BG"],
    "AE": ["033", "026", "035", "030"],
    "TR": ["00061", "00010", "00046", "00064"],
    "UA": ["322313", "305299", "300335"],
    "AT": [],
}

# ---------------------------------------------------------------------------
# Keyword lists used by the self-check (union of Macie's documented keywords and
# common variants).  Short keywords are matched with letter boundaries.
# ---------------------------------------------------------------------------

KW = {
    "AWS_CREDENTIALS": ["aws_secret_access_key", "secret access key", "secret_access_key", "secretaccesskey",
                        "aws_secret", "aws secret", "secret_key", "aws-secret", "awssecretaccesskey"],
    "CREDIT_CARD_NUMBER": ["card", "credit", "debit", "visa", "mastercard", "amex", "american express",
                           "discover", "jcb", "diners", "unionpay", "union pay", "cc", "ccn", "cc#", "pan",
                           "payment", "account number", "mc", "pcn", "maestro", "pmnt", "dankort", "electron"],
    "CREDIT_CARD_EXPIRATION": ["exp", "expiry", "expiration", "valid thru", "expires", "good thru", "exp_date",
                               "expdate", "exp_month", "exp d", "exp m", "exp y", "ablauf", "scadenza"],
    "CREDIT_CARD_SECURITY_CODE": ["cvv", "cvc", "cvv2", "cvc2", "security code", "card verification",
                                  "card validation", "card id", "card security", "cid"],
    "CREDIT_CARD_MAGNETIC_STRIPE": ["card data", "iso7813", "mag", "magstripe", "stripe", "swipe", "track"],
    "BANK_ACCOUNT_NUMBER": ["bank account", "bank acct", "checking account", "checking acct", "deposit account",
                            "deposit acct", "savings account", "savings acct", "chequing account", "chequing acct",
                            "account number", "acct", "account no", "account_number", "account_no",
                            "bank_account", "acct_number", "accountnumber"],
    "USA_ABA_ROUTING_NUMBER": ["routing", "aba", "rtn", "transit"],
    "USA_SOCIAL_SECURITY_NUMBER": ["ssn", "social security", "ss#", "socialsecurity", "social_security"],
    "USA_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER": ["itin", "i.t.i.n.", "taxpayer", "tax id", "tax_id"],
    "USA_PASSPORT_NUMBER": ["passport", "travel document"],
    "DRIVERS_LICENSE": ["driver's license", "drivers license", "driver license", "driver licence", "dl#", "dl:",
                        "dl", "dlno", "driving licence", "driving license", "license", "licence", "drivers lic",
                        "driver_license", "drivers_license"],
    "PHONE_NUMBER": ["phone", "tel", "telephone", "mobile", "cell", "fax", "call", "contact", "celular",
                     "telefone", "fone", "téléphone", "telefono", "teléfono", "handy", "móvil", "movil",
                     "portable", "tél", "mobil", "cellulare", "cel", "telefon", "rufnummer", "sms", "whatsapp"],
    "DATE_OF_BIRTH": ["dob", "date of birth", "birth date", "birthdate", "birthday", "born", "bday", "b-day",
                      "birth", "date_of_birth", "dateofbirth", "geburtsdatum", "date de naissance", "data di nascita",
                      "fecha de nacimiento", "data de nascimento", "né le", "née le", "nato il", "nata il",
                      "geboren", "nacido", "nascimento", "naissance", "nascita"],
    "IP_ADDRESS": ["ip", "ip address", "client_ip", "remote_addr", "x-forwarded-for", "remote ip", "src_ip",
                   "source_ip", "ipaddress", "ip_address", "ipv4", "ipv6", "remoteaddr", "remote_ip", "clientip",
                   "x-real-ip", "sourceipaddress", "peer", "x_forwarded_for", "forwarded"],
    "UK_NATIONAL_INSURANCE_NUMBER": ["national insurance", "nino", "ni number", "insurance number", "nin",
                                     "ni no", "insurance no", "nationalinsurance"],
    "UK_NHS_NUMBER": ["nhs"],
    "CANADA_SOCIAL_INSURANCE_NUMBER": ["sin", "social insurance", "assurance sociale", "canadian id"],
    "FRANCE_NATIONAL_IDENTIFICATION_NUMBER": ["insee", "nir", "sécurité sociale", "securite sociale",
                                              "social security", "ssn", "n° ss", "assurance", "numéro de sécurité"],
    "GERMANY_NATIONAL_IDENTIFICATION_NUMBER": ["ausweisnummer", "personalausweis", "id card", "ausweis",
                                               "id number", "identity number", "personal id",
                                               "identification number", "id-karte", "identity card"],
    "ITALY_NATIONAL_IDENTIFICATION_NUMBER": ["codice fiscale", "codice fiscal", "tax code", "fiscal code",
                                             "codice_fiscale", "codicefiscale", "cf", "tessera sanitaria"],
    "SPAIN_DNI_NUMBER": ["dni", "documento nacional de identidad", "nif", "documento"],
    "INDIA_AADHAAR_NUMBER": ["aadhaar", "aadhar", "uidai", "adhaar"],
    "BRAZIL_CPF_NUMBER": ["cpf", "cadastro de pessoa"],
    "VEHICLE_IDENTIFICATION_NUMBER": ["vin", "vehicle identification", "fahrgestellnummer", "chassis"],
    "USA_NATIONAL_PROVIDER_IDENTIFIER": ["npi", "national provider"],
    "US_DRUG_ENFORCEMENT_AGENCY_NUMBER": ["dea"],
    "LATITUDE_LONGITUDE": ["lat", "latitude", "long", "longitude", "coordinates", "coordinate", "gps",
                           "location", "position", "geo", "latlng", "lat_lng", "latlon", "lat/long", "lat long"],
}
for _c in ("UK", "GERMANY", "FRANCE", "ITALY", "SPAIN", "BRAZIL"):
    KW[_c + "_PHONE_NUMBER"] = KW["PHONE_NUMBER"]
KW["CREDIT_CARD_NUMBER_(NO_KEYWORD)"] = KW["CREDIT_CARD_NUMBER"]

KEYWORD_REQUIRED = set(KW) - {"CREDIT_CARD_NUMBER_(NO_KEYWORD)"} - {
    "PHONE_NUMBER", "UK_PHONE_NUMBER", "GERMANY_PHONE_NUMBER", "FRANCE_PHONE_NUMBER", "ITALY_PHONE_NUMBER",
    "SPAIN_PHONE_NUMBER", "BRAZIL_PHONE_NUMBER"}
MAX_KW_DIST = 30


def kw_regex(words):
    """Keywords up to 3 chars must stand alone; longer ones must start a word (cardNumber, card_number, cardholder)."""
    parts = []
    for w in sorted(set(words), key=len, reverse=True):
        e = re.escape(w)
        if len(w) <= 3:
            parts.append(r"(?<![a-z0-9])" + e + r"(?![a-z0-9])")
        else:
            parts.append(r"(?<![a-z0-9])" + e)
    return re.compile("|".join(parts), re.I)


KW_RE = {t: kw_regex(w) for t, w in KW.items()}

# ---------------------------------------------------------------------------
# Checksums and validators
# ---------------------------------------------------------------------------

DIGITS = "0123456789"
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LOWER = UPPER.lower()
ALNUM = DIGITS + UPPER + LOWER
B62 = DIGITS + UPPER + LOWER  # base62 alphabet 0-9A-Za-z
B64 = UPPER + LOWER + DIGITS + "+/"
B64URL = UPPER + LOWER + DIGITS + "-_"
HEX = "0123456789abcdef"


def rs(alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))


def only_digits(s):
    return re.sub(r"\D", "", s)


def luhn_ok(d):
    tot = 0
    for i, ch in enumerate(reversed(d)):
        x = int(ch)
        if i % 2 == 1:
            x *= 2
            if x > 9:
                x -= 9
        tot += x
    return tot % 10 == 0


def luhn_complete(prefix, length):
    body = prefix + rs(DIGITS, length - len(prefix) - 1)
    for c in DIGITS:
        if luhn_ok(body + c):
            return body + c
    raise AssertionError


# Test numbers that card issuers reserve for public testing (Macie ignores them).
TEST_CARDS = {
    "122000000000003", "2222405343248877", "2222990905257051", "2223007648726984", "2223577120017656",
    "30569309025904", "34343434343434", "3528000700000000", "3530111333300000", "3566002020360505",
    "36148900647913", "36700102000000", "371449635398431", "378282246310005", "378734493671000",
    "38520000023237", "4012888888881881", "4111111111111111", "4222222222222", "4444333322221111",
    "4462030000000000", "4484070000000000", "4911830000000", "4917300800000000", "4917610000000000",
    "4917610000000000003", "5019717010103742", "5105105105105100", "5111010030175156", "5185540810000019",
    "5200828282828210", "5204230080000017", "5204740009900014", "5420923878724339", "5454545454545454",
    "5455330760000018", "5506900490000436", "5506900490000444", "5506900510000234", "5506920809243667",
    "5506922400634930", "5506927427317625", "5553042241984105", "5555553753048194", "5555555555554444",
    "5610591081018250", "6011000990139424", "6011000400000000", "6011111111111117", "630490017740292441",
    "630495060000000000", "6331101999990016", "6759649826438453", "6799990100000000019", "76009244561",
    "4242424242424242", "4000056655665556", "5200828282828210", "6011000990139424", "3056930009020004",
}


def card_brand(d):
    n = len(d)
    if d[0] == "4" and n in (13, 16, 19):
        return "visa"
    p2, p3, p4, p6 = int(d[:2]), int(d[:3]), int(d[:4]), int(d[:6])
    if n == 16 and (51 <= p2 <= 55 or 2221 <= p4 <= 2720):
        return "mastercard"
    if n == 15 and p2 in (34, 37):
        return "amex"
    if n in (16, 19) and (p4 == 6011 or 644 <= p3 <= 649 or p2 == 65 or 622126 <= p6 <= 622925):
        return "discover"
    if n in (16, 19) and 3528 <= p4 <= 3589:
        return "jcb"
    if n == 14 and (300 <= p3 <= 305 or p2 in (36, 38, 39) or p4 == 3095):
        return "diners"
    if 16 <= n <= 19 and p2 == 62:
        return "unionpay"
    if 12 <= n <= 19 and (p4 in (5018, 5020, 5038, 5893, 6304, 6759, 6761, 6762, 6763) or p2 in (50, 56, 57, 58, 67)):
        return "maestro"
    if n == 16 and p4 in (4026, 4405, 4508, 4844, 4913, 4917):
        return "electron"
    if n == 16 and p4 in (5019, 4571):
        return "dankort"
    return None


def valid_card(s):
    d = only_digits(s)
    return 13 <= len(d) <= 19 and luhn_ok(d) and card_brand(d) is not None and d not in TEST_CARDS


def gen_card(brand=None):
    brand = brand or rng.choice(["visa"] * 5 + ["mastercard"] * 3 + ["mc2"] * 2 + ["amex"] * 2 + ["discover"] * 2 +
                                ["jcb", "diners", "unionpay"])
    while True:
        if brand == "visa":
            d = luhn_complete("4" + rs(DIGITS, 5), rng.choice([16] * 9 + [13]))
        elif brand == "mastercard":
            d = luhn_complete(str(rng.randint(51, 55)) + rs(DIGITS, 4), 16)
        elif brand == "mc2":
            d = luhn_complete(str(rng.randint(2221, 2720)) + rs(DIGITS, 2), 16)
        elif brand == "amex":
            d = luhn_complete(rng.choice(["34", "37"]) + rs(DIGITS, 4), 15)
        elif brand == "discover":
            d = luhn_complete(rng.choice(["6011", "65" + rs(DIGITS, 2), str(rng.randint(644, 649)) + "0"]), 16)
        elif brand == "jcb":
            d = luhn_complete(str(rng.randint(3528, 3589)), 16)
        elif brand == "diners":
            d = luhn_complete(rng.choice(["36", "38", str(rng.randint(300, 305))]), 14)
        elif brand == "unionpay":
            d = luhn_complete("62" + rng.choice(["12", "22", "58", "70", "84"]) + rs(DIGITS, 2), 19)
        else:
            raise ValueError(brand)
        if valid_card(d):
            return d


def fmt_card(d, style=None):
    style = style or rng.choice(["plain"] * 4 + ["space"] * 3 + ["dash"] * 2)
    if style == "plain":
        return d
    sep = " " if style == "space" else "-"
    n = len(d)
    if n == 15:
        groups = [4, 6, 5]
    elif n == 14:
        groups = [4, 6, 4]
    elif n == 19:
        groups = [4, 4, 4, 4, 3]
    elif n == 13:
        groups = [4, 4, 5]
    else:
        groups = [4, 4, 4, 4]
    out, i = [], 0
    for g in groups:
        out.append(d[i:i + g])
        i += g
    return sep.join(out)


def bad_luhn_card():
    """Card-shaped, issuer-prefixed but Luhn-invalid."""
    d = gen_card()
    last = int(d[-1])
    return d[:-1] + str((last + rng.randint(1, 9)) % 10)


def luhn_valid_bad_prefix():
    while True:
        d = luhn_complete(rng.choice("1789") + rs(DIGITS, 3), rng.choice([16, 16, 15, 19]))
        if card_brand(d) is None:
            return d


def aba_ok(s):
    d = [int(c) for c in s]
    if len(d) != 9:
        return False
    p = int(s[:2])
    if not (0 <= p <= 12 or 21 <= p <= 32 or 61 <= p <= 72 or p == 80):
        return False
    return (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8])) % 10 == 0


def gen_aba():
    while True:
        p = rng.choice(["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "21", "22", "26",
                        "31", "32", "06", "07", "11"])
        body = p + rs(DIGITS, 6)
        for c in DIGITS:
            if aba_ok(body + c):
                return body + c


def ssn_ok(s):
    d = only_digits(s)
    if len(d) != 9:
        return False
    a, g, sr = int(d[:3]), int(d[3:5]), int(d[5:])
    return 0 < a < 900 and a != 666 and g != 0 and sr != 0 and d != "123456789" and d[:3] != "987"


def gen_ssn():
    while True:
        a = rng.randint(1, 899)
        if a == 666:
            continue
        d = "%03d%02d%04d" % (a, rng.randint(1, 99), rng.randint(1, 9999))
        if ssn_ok(d):
            return d


def fmt_ssn(d, style="dash"):
    if style == "dash":
        return d[:3] + "-" + d[3:5] + "-" + d[5:]
    if style == "space":
        return d[:3] + " " + d[3:5] + " " + d[5:]
    return d


def bad_ssn():
    kind = rng.choice(["000", "666", "9xx", "g00", "s0000"])
    if kind == "000":
        d = "000%02d%04d" % (rng.randint(1, 99), rng.randint(1, 9999))
    elif kind == "666":
        d = "666%02d%04d" % (rng.randint(1, 99), rng.randint(1, 9999))
    elif kind == "9xx":
        d = "9%02d%02d%04d" % (rng.randint(0, 99), rng.choice([rng.randint(1, 49), rng.randint(66, 69)]),
                               rng.randint(1, 9999))
    elif kind == "g00":
        d = "%03d00%04d" % (rng.randint(1, 665), rng.randint(1, 9999))
    else:
        d = "%03d%02d0000" % (rng.randint(1, 665), rng.randint(1, 99))
    assert not ssn_ok(d)
    return d


ITIN_GROUPS = list(range(50, 66)) + list(range(70, 89)) + list(range(90, 93)) + list(range(94, 100))


def itin_ok(s):
    d = only_digits(s)
    return len(d) == 9 and d[0] == "9" and int(d[3:5]) in ITIN_GROUPS


def gen_itin():
    return "9%02d%02d%04d" % (rng.randint(0, 99), rng.choice(ITIN_GROUPS), rng.randint(0, 9999))


def nhs_check(d9):
    s = sum(int(c) * w for c, w in zip(d9, range(10, 1, -1)))
    c = 11 - s % 11
    if c == 11:
        c = 0
    return None if c == 10 else str(c)


def nhs_ok(s):
    d = only_digits(s)
    return len(d) == 10 and nhs_check(d[:9]) == d[9]


def gen_nhs():
    while True:
        d9 = rng.choice("4679") + rs(DIGITS, 8)
        c = nhs_check(d9)
        if c is not None:
            return d9 + c


NINO_BAD_PREFIX = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def nino_ok(s):
    s = s.replace(" ", "")
    if not re.fullmatch(r"[A-Z]{2}\d{6}[A-D]", s):
        return False
    a, b = s[0], s[1]
    return a not in "DFIQUV" and b not in "DFIOQUV" and s[:2] not in NINO_BAD_PREFIX


def gen_nino():
    while True:
        p = rng.choice([c for c in UPPER if c not in "DFIQUV"]) + rng.choice([c for c in UPPER if c not in "DFIOQUV"])
        if p in NINO_BAD_PREFIX:
            continue
        v = p + rs(DIGITS, 6) + rng.choice("ABCD")
        if nino_ok(v):
            return v


def sin_ok(s):
    d = only_digits(s)
    return len(d) == 9 and d[0] not in "08" and luhn_ok(d)


def gen_sin():
    while True:
        d = luhn_complete(rng.choice("1234567") + rs(DIGITS, 2), 9)
        if sin_ok(d):
            return d


def insee_ok(s):
    d = s.replace(" ", "")
    if not re.fullmatch(r"[12]\d{2}(0[1-9]|1[0-2])(\d{2}|2[AB])\d{6}\d{2}", d):
        return False
    body = d[:13].replace("2A", "19").replace("2B", "18")
    return 97 - int(body) % 97 == int(d[13:])


def gen_insee():
    sex = rng.choice("12")
    yy = "%02d" % rng.randint(0, 99)
    mm = "%02d" % rng.randint(1, 12)
    dept = "%02d" % rng.choice([1, 6, 13, 31, 33, 35, 38, 44, 59, 67, 69, 75, 75, 75, 76, 78, 83, 91, 92, 93, 94, 95])
    commune = "%03d" % rng.randint(1, 400)
    order = "%03d" % rng.randint(1, 999)
    body = sex + yy + mm + dept + commune + order
    key = "%02d" % (97 - int(body) % 97)
    return body + key


def fmt_insee(d, spaced):
    if not spaced:
        return d
    return " ".join([d[0], d[1:3], d[3:5], d[5:7], d[7:10], d[10:13], d[13:]])


DE_ID_ALPHA = "CFGHJKLMNPRTVWXYZ"


def de_char_val(c):
    return int(c) if c.isdigit() else ord(c) - 55


def de_id_check(s9):
    w = [7, 3, 1]
    return str(sum(de_char_val(c) * w[i % 3] for i, c in enumerate(s9)) % 10)


def de_id_ok(s):
    return re.fullmatch(r"[CFGHJKLMNPRTVWXYZ][CFGHJKLMNPRTVWXYZ0-9]{8}\d", s) is not None and de_id_check(s[:9]) == s[9]


def gen_de_id():
    s9 = rng.choice("LTMCFGHJKLMNPR") + "".join(rng.choice(DE_ID_ALPHA + DIGITS * 2) for _ in range(8))
    return s9 + de_id_check(s9)


CF_ODD = {}
for _k, _v in zip(DIGITS, [1, 0, 5, 7, 9, 13, 15, 17, 19, 21]):
    CF_ODD[_k] = _v
for _k, _v in zip(UPPER, [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23]):
    CF_ODD[_k] = _v
CF_EVEN = {c: i for i, c in enumerate(DIGITS)}
CF_EVEN.update({c: i for i, c in enumerate(UPPER)})


def cf_check(s15):
    t = 0
    for i, c in enumerate(s15):
        t += CF_ODD[c] if i % 2 == 0 else CF_EVEN[c]
    return UPPER[t % 26]


def cf_ok(s):
    return re.fullmatch(r"[A-Z]{6}\d{2}[ABCDEHLMPRST]\d{2}[A-Z]\d{3}[A-Z]", s) is not None and cf_check(s[:15]) == s[15]


def _cf_part(name, is_surname):
    name = re.sub(r"[^A-Z]", "", name.upper())
    cons = [c for c in name if c not in "AEIOU"]
    vow = [c for c in name if c in "AEIOU"]
    if not is_surname and len(cons) >= 4:
        cons = [cons[0], cons[2], cons[3]]
    s = "".join(cons + vow) + "XXX"
    return s[:3]


def gen_cf(first, last, year, month, day, female):
    s = _cf_part(last, True) + _cf_part(first, False) + "%02d" % (year % 100) + "ABCDEHLMPRST"[month - 1]
    s += "%02d" % (day + (40 if female else 0))
    s += rng.choice(["H501", "F205", "L219", "F839", "G273", "A944", "D612", "L736", "C351", "E506", "B157"])
    return s + cf_check(s)


DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def dni_ok(s):
    m = re.fullmatch(r"(\d{8})-?([A-Z])", s)
    return m is not None and DNI_LETTERS[int(m.group(1)) % 23] == m.group(2)


def gen_dni():
    n = rng.randint(1000000, 79999999)
    return "%08d" % n, DNI_LETTERS[n % 23]


VH_D = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
        [3, 4, 0, 1, 2, 8, 9, 5, 6, 7], [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
        [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3], [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
        [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]]
VH_P = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4], [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
        [8, 9, 1, 6, 0, 4, 3, 5, 2, 7], [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
        [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8]]
VH_INV = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9]


def verhoeff_ok(d):
    c = 0
    for i, ch in enumerate(reversed(d)):
        c = VH_D[c][VH_P[i % 8][int(ch)]]
    return c == 0


def verhoeff_digit(d):
    c = 0
    for i, ch in enumerate(reversed(d)):
        c = VH_D[c][VH_P[(i + 1) % 8][int(ch)]]
    return str(VH_INV[c])


def aadhaar_ok(s):
    d = only_digits(s)
    return len(d) == 12 and d[0] in "23456789" and verhoeff_ok(d)


def gen_aadhaar():
    d11 = rng.choice("23456789") + rs(DIGITS, 10)
    return d11 + verhoeff_digit(d11)


def cpf_digits(d9):
    s1 = sum(int(c) * w for c, w in zip(d9, range(10, 1, -1)))
    c1 = (s1 * 10) % 11 % 10
    d10 = d9 + str(c1)
    s2 = sum(int(c) * w for c, w in zip(d10, range(11, 1, -1)))
    c2 = (s2 * 10) % 11 % 10
    return d10 + str(c2)


def cpf_ok(s):
    d = only_digits(s)
    return len(d) == 11 and len(set(d)) > 1 and cpf_digits(d[:9]) == d


def gen_cpf():
    while True:
        d = cpf_digits(rs(DIGITS, 9))
        if cpf_ok(d):
            return d


def fmt_cpf(d):
    return "%s.%s.%s-%s" % (d[:3], d[3:6], d[6:9], d[9:])


VIN_TRANS = {c: v for c, v in zip("ABCDEFGH", range(1, 9))}
VIN_TRANS.update({c: v for c, v in zip("JKLMN", range(1, 6))})
VIN_TRANS.update({"P": 7, "R": 9})
VIN_TRANS.update({c: v for c, v in zip("STUVWXYZ", range(2, 10))})
VIN_TRANS.update({c: int(c) for c in DIGITS})
VIN_W = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


def vin_check(v):
    r = sum(VIN_TRANS[c] * w for c, w in zip(v, VIN_W)) % 11
    return "X" if r == 10 else str(r)


def vin_ok(v):
    return re.fullmatch(r"[A-HJ-NPR-Z0-9]{17}", v) is not None and vin_check(v) == v[8]


VIN_WMI = [("1HG", "Honda"), ("1FT", "Ford"), ("1FA", "Ford"), ("5YJ", "Tesla"), ("WBA", "BMW"), ("JTD", "Toyota"),
           ("3VW", "Volkswagen"), ("WVW", "Volkswagen"), ("2T1", "Toyota"), ("KMH", "Hyundai"), ("1G1", "Chevrolet"),
           ("JN1", "Nissan"), ("WDD", "Mercedes-Benz"), ("1C4", "Jeep"), ("4T1", "Toyota"), ("5NP", "Hyundai"),
           ("YV1", "Volvo"), ("VF1", "Renault"), ("ZFA", "Fiat"), ("SAL", "Land Rover")]


def gen_vin():
    wmi, make = rng.choice(VIN_WMI)
    vds = "".join(rng.choice(VIN_CHARS) for _ in range(5))
    year = rng.choice("EFGHJKLMNPR")
    plant = rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789")
    serial = rs(DIGITS, 6)
    v = wmi + vds + "0" + year + plant + serial
    v = v[:8] + vin_check(v) + v[9:]
    assert vin_ok(v)
    return v, make


def npi_ok(s):
    return len(s) == 10 and s[0] in "12" and luhn_ok("80840" + s)


def gen_npi():
    while True:
        body = rng.choice("12") + rs(DIGITS, 8)
        for c in DIGITS:
            if luhn_ok("80840" + body + c):
                return body + c


def dea_ok(s):
    if not re.fullmatch(r"[ABCDEFGHJKLMPRSTUX][A-Z9]\d{7}", s):
        return False
    d = [int(c) for c in s[2:]]
    return (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10 == d[6]


def gen_dea(last):
    d = [rng.randint(0, 9) for _ in range(6)]
    c = (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10
    return rng.choice("ABFGMBFAB") + last[0].upper() + "".join(map(str, d)) + str(c)


def iban_mod97(s):
    s = s.replace(" ", "").replace("-", "")
    r = s[4:] + s[:4]
    num = "".join(str(int(c, 36)) for c in r)
    return int(num) % 97


def iban_ok(s):
    c = s.replace(" ", "").replace("-", "")
    cc = c[:2]
    return cc in IBAN_LEN and len(c) == IBAN_LEN[cc] and re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]+", c) and \
        iban_mod97(c) == 1 and bban_struct_ok(cc, c[4:])


def bban_struct_ok(cc, bban):
    rx = ""
    for kind, n in IBAN_BBAN[cc]:
        if kind == "lit":
            rx += re.escape(n)
        else:
            rx += {"n": r"\d", "a": "[A-Z]", "c": "[A-Z0-9]"}[kind] + "{%d}" % n
    return re.fullmatch(rx, bban) is not None


def _num36(s):
    return int("".join(str(int(c, 36)) for c in s))


def fr_rib_key(bank, branch, acct):
    conv = {}
    for i, c in enumerate("ABCDEFGHI"):
        conv[c] = str(i + 1)
    for i, c in enumerate("JKLMNOPQR"):
        conv[c] = str(i + 1)
    for i, c in enumerate("STUVWXYZ"):
        conv[c] = str(i + 2)
    a = "".join(conv.get(c, c) for c in acct)
    return "%02d" % (97 - ((89 * int(bank) + 15 * int(branch) + 3 * int(a)) % 97))


def es_dc(bank, branch, acct):
    w = [1, 2, 4, 8, 5, 10, 9, 7, 3, 6]

    def d(s):
        r = 11 - sum(int(c) * x for c, x in zip(s, w)) % 11
        return {11: 0, 10: 1}.get(r, r)
    return "%d%d" % (d("00" + bank + branch), d(acct))


def gen_bban(cc):
    parts = []
    for kind, n in IBAN_BBAN[cc]:
        if kind == "lit":
            parts.append(n)
        elif kind == "n":
            parts.append(rs(DIGITS, n))
        elif kind == "a":
            parts.append(rs(UPPER, n))
        else:
            parts.append("".join(rng.choice(DIGITS * 3 + UPPER) for _ in range(n)))
    banks = IBAN_BANKS.get(cc)
    if banks:
        b = rng.choice(banks)
        first = parts[0]
        if len(b) <= len(first):
            parts[0] = b + first[len(b):]
        if cc in ("MT",) and len(parts) > 1:
            pass
    if cc in ("FR", "MC"):
        parts[3] = fr_rib_key(parts[0], parts[1], parts[2])
    if cc == "ES":
        dc = es_dc(parts[0], parts[1], parts[4])
        parts[2], parts[3] = dc[0], dc[1]
    if cc == "GB" or cc == "IE":
        parts[1] = rng.choice(["60", "20", "30", "40", "09", "11", "77", "83", "90"]) + parts[1][2:]
    bban = "".join(parts)
    if cc in IBAN_NATIONAL_MOD97:
        base = bban[:-2]
        target = 0 if cc in ("MR", "TN") else 1
        chk = (target - _num36(base) * 100) % 97
        if target == 1 and chk < 2:
            chk += 97
        if target == 0 and chk == 0:
            chk = 97
        bban = base + "%02d" % chk
        assert _num36(bban) % 97 == target
    return bban


def gen_iban(cc):
    bban = gen_bban(cc)
    chk = 98 - iban_mod97(cc + "00" + bban)
    ib = cc + "%02d" % chk + bban
    assert iban_ok(ib), ib
    if cc in IBAN_NATIONAL_MOD97:
        assert ib[2:4] == IBAN_NATIONAL_MOD97[cc], (ib, IBAN_NATIONAL_MOD97[cc])
    return ib


def fmt_iban(ib, spaced):
    if not spaced:
        return ib
    return " ".join(ib[i:i + 4] for i in range(0, len(ib), 4))


def bad_iban(cc=None):
    cc = cc or rng.choice(list(IBAN_TYPES))
    ib = gen_iban(cc)
    while True:
        wrong = "%02d" % rng.randint(2, 98)
        b = ib[:2] + wrong + ib[4:]
        if iban_mod97(b) != 1:
            return b


def crc32_b62(s):
    n = zlib.crc32(s.encode()) & 0xFFFFFFFF
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = B62[r] + out
    return out.rjust(6, "0")


def gh_ok(t):
    m = re.fullmatch(r"(ghp|gho|ghu|ghs|ghr)_([0-9A-Za-z]{30})([0-9A-Za-z]{6})", t)
    if m:
        return crc32_b62(m.group(2)) == m.group(3)
    return re.fullmatch(r"github_pat_[0-9A-Za-z]{22}_[0-9A-Za-z]{59}", t) is not None


def gen_github(prefix=None):
    prefix = prefix or rng.choice(["ghp"] * 5 + ["gho", "ghu", "ghs", "ghr"])
    if prefix == "github_pat":
        return "github_pat_" + rs(ALNUM, 22) + "_" + rs(ALNUM, 59)
    body = rs(B62, 30)
    return prefix + "_" + body + crc32_b62(body)


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def jwt_ok(t):
    parts = t.split(".")
    if len(parts) != 3:
        return False
    try:
        h = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
        p = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except Exception:
        return False
    return "alg" in h and isinstance(p, dict) and len(parts[2]) >= 16


def gen_jwt(email=None, alg=None):
    alg = alg or rng.choice(["HS256", "HS256", "RS256", "ES256", "HS512", "RS256"])
    hdr = OrderedDict([("alg", alg), ("typ", "JWT")])
    if alg.startswith(("RS", "ES")):
        hdr["kid"] = rs(HEX, 16)
    iat = rng.randint(1_700_000_000, 1_735_000_000)
    pl = OrderedDict()
    pl["sub"] = rng.choice([str(rng.randint(10000, 9999999)), "usr_" + rs(ALNUM, 14), str(uuid_like())])
    pl["iss"] = rng.choice(["https://auth.northwind-apps.io", "https://login.acmecloud.dev/", "api-gateway",
                            "https://idp.corp-portal.net/oauth2"])
    if rng.random() < 0.5:
        pl["aud"] = rng.choice(["orders-api", "mobile", "web", "billing"])
    pl["iat"] = iat
    pl["exp"] = iat + rng.choice([900, 3600, 86400])
    if rng.random() < 0.5:
        pl["scope"] = rng.choice(["read:orders write:orders", "openid profile", "admin", "user"])
    if rng.random() < 0.3:
        pl["role"] = rng.choice(["admin", "support", "customer"])
    h = b64url(json.dumps(hdr, separators=(",", ":")).encode())
    p = b64url(json.dumps(pl, separators=(",", ":")).encode())
    siglen = {"HS256": 32, "HS512": 64, "RS256": 256, "ES256": 64}[alg]
    s = b64url(rbytes(siglen))
    return h + "." + p + "." + s


def rbytes(n):
    return bytes(rng.getrandbits(8) for _ in range(n))


def uuid_like():
    h = rs(HEX, 32)
    h = h[:12] + "4" + h[13:16] + rng.choice("89ab") + h[17:]
    return "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])


def wrap(s, n):
    return [s[i:i + n] for i in range(0, len(s), n)]


def der_len(n):
    if n < 128:
        return bytes([n])
    if n < 256:
        return bytes([0x81, n])
    return bytes([0x82, n >> 8, n & 0xFF])


def gen_pkcs(kind=None):
    kind = kind or rng.choice(["RSA", "RSA", "PKCS8", "EC", "PKCS8", "ENC"])
    if kind == "RSA":
        body = b"\x30\x82\x04\xa4\x02\x01\x00\x02\x82\x01\x01\x00" + rbytes(256) + b"\x02\x03\x01\x00\x01" + \
            b"\x02\x82\x01\x00" + rbytes(256) + b"\x02\x81\x81\x00" + rbytes(128) + b"\x02\x81\x81\x00" + rbytes(128) + \
            b"\x02\x81\x80" + rbytes(128) + b"\x02\x81\x80" + rbytes(128) + b"\x02\x81\x81\x00" + rbytes(101)
        label = "RSA PRIVATE KEY"
    elif kind == "PKCS8":
        body = b"\x30\x82\x04\xbd\x02\x01\x00\x30\x0d\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01\x05\x00\x04\x82\x04\xa7" + \
            b"\x30\x82\x04\xa3\x02\x01\x00\x02\x82\x01\x01\x00" + rbytes(1172)
        label = "PRIVATE KEY"
    elif kind == "EC":
        body = b"\x30\x77\x02\x01\x01\x04\x20" + rbytes(32) + b"\xa0\x0a\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07" + \
            b"\xa1\x44\x03\x42\x00\x04" + rbytes(64)
        label = "EC PRIVATE KEY"
    else:
        body = b"\x30\x82\x05\x16\x30\x40\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x05\x0d\x30\x33" + rbytes(1300)
        label = "ENCRYPTED PRIVATE KEY"
    lines = wrap(base64.b64encode(body).decode(), 64)
    return "-----BEGIN %s-----\n%s\n-----END %s-----" % (label, "\n".join(lines), label)


def pkcs_ok(v):
    v = v.replace("\\n", "\n")
    m = re.fullmatch(r"-----BEGIN ((?:RSA |EC |ENCRYPTED |DSA )?PRIVATE KEY)-----\s*\n([\sA-Za-z0-9+/=]+?)\n\s*-----END \1-----", v)
    if not m:
        return False
    base64.b64decode("".join(m.group(2).split()))
    return True


def ssh_string(b):
    return struct.pack(">I", len(b)) + b


def gen_openssh(comment):
    kt = rng.choice([b"ssh-ed25519", b"ssh-ed25519", b"ssh-rsa"])
    if kt == b"ssh-ed25519":
        pub = ssh_string(kt) + ssh_string(rbytes(32))
        chk = rbytes(4)
        priv = chk + chk + pub + ssh_string(rbytes(64)) + ssh_string(comment.encode())
    else:
        pub = ssh_string(kt) + ssh_string(b"\x01\x00\x01") + ssh_string(b"\x00" + rbytes(384))
        chk = rbytes(4)
        priv = chk + chk + ssh_string(kt) + ssh_string(b"\x00" + rbytes(384)) + ssh_string(b"\x01\x00\x01") + \
            ssh_string(rbytes(384)) + ssh_string(rbytes(192)) + ssh_string(rbytes(192)) + ssh_string(rbytes(192)) + \
            ssh_string(comment.encode())
    pad = 1
    while len(priv) % 8:
        priv += bytes([pad])
        pad += 1
    blob = b"openssh-key-v1\x00" + ssh_string(b"none") + ssh_string(b"none") + ssh_string(b"") + \
        struct.pack(">I", 1) + ssh_string(pub) + ssh_string(priv)
    lines = wrap(base64.b64encode(blob).decode(), 70)
    return "-----BEGIN OPENSSH PRIVATE KEY-----\n%s\n-----END OPENSSH PRIVATE KEY-----" % "\n".join(lines)


def openssh_ok(v):
    m = re.fullmatch(r"-----BEGIN OPENSSH PRIVATE KEY-----\n([\sA-Za-z0-9+/=]+?)\n\s*-----END OPENSSH PRIVATE KEY-----", v)
    return m is not None and base64.b64decode("".join(m.group(1).split())).startswith(b"openssh-key-v1\x00")


def crc24(data):
    crc = 0xB704CE
    for b in data:
        crc ^= b << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def gen_pgp(uid):
    ts = struct.pack(">I", rng.randint(1_500_000_000, 1_720_000_000))
    pkt = b"\x04" + ts + b"\x16\x09\x2b\x06\x01\x04\x01\xda\x47\x0f\x01\x01\x07\x40" + rbytes(32) + b"\x00" + \
        b"\x01\x00" + rbytes(32) + rbytes(2)
    body = bytes([0x94, len(pkt)]) + pkt
    u = uid.encode()
    body += bytes([0xb4, len(u)]) + u + bytes([0x88, 0x93]) + rbytes(0x93)
    sub = b"\x04" + ts + b"\x12\x0a\x2b\x06\x01\x04\x01\x97\x55\x01\x05\x01\x01\x07\x40" + rbytes(32) + \
        b"\x03\x01\x08\x07\x00" + b"\x00\xff" + rbytes(32) + rbytes(2)
    body += bytes([0x9c, len(sub)]) + sub + bytes([0x88, 0x78]) + rbytes(0x78)
    lines = wrap(base64.b64encode(body).decode(), 64)
    ck = base64.b64encode(struct.pack(">I", crc24(body))[1:]).decode()
    return "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n%s\n=%s\n-----END PGP PRIVATE KEY BLOCK-----" % ("\n".join(lines), ck)


def pgp_ok(v):
    return re.fullmatch(r"-----BEGIN PGP PRIVATE KEY BLOCK-----\n(?:[A-Za-z]+: .*\n)*\n[\sA-Za-z0-9+/=]+\n=[A-Za-z0-9+/]{4}\n-----END PGP PRIVATE KEY BLOCK-----", v) is not None


def gen_putty(comment=None):
    ver = rng.choice([2, 2, 3])
    kt = rng.choice(["ssh-rsa", "ssh-ed25519"]) if ver == 2 else rng.choice(["ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256"])
    if comment is None:
        comment = "%s-key-%d%02d%02d" % ({"ssh-rsa": "rsa", "ssh-ed25519": "ed25519"}.get(kt, "ecdsa"),
                                          rng.randint(2019, 2024), rng.randint(1, 12), rng.randint(1, 28))
    if kt == "ssh-rsa":
        pub = ssh_string(b"ssh-rsa") + ssh_string(b"\x25") + ssh_string(b"\x00" + rbytes(256))
        priv = ssh_string(rbytes(256)) + ssh_string(b"\x00" + rbytes(128)) + ssh_string(b"\x00" + rbytes(128)) + \
            ssh_string(rbytes(128))
    elif kt == "ssh-ed25519":
        pub = ssh_string(b"ssh-ed25519") + ssh_string(rbytes(32))
        priv = ssh_string(rbytes(32))
    else:
        pub = ssh_string(b"ecdsa-sha2-nistp256") + ssh_string(b"nistp256") + ssh_string(b"\x04" + rbytes(64))
        priv = ssh_string(b"\x00" + rbytes(32))
    pl = wrap(base64.b64encode(pub).decode(), 64)
    vl = wrap(base64.b64encode(priv).decode(), 64)
    mac = rs(HEX, 40 if ver == 2 else 64)
    out = ["PuTTY-User-Key-File-%d: %s" % (ver, kt), "Encryption: none", "Comment: %s" % comment,
           "Public-Lines: %d" % len(pl)] + pl + ["Private-Lines: %d" % len(vl)] + vl + ["Private-MAC: %s" % mac]
    return "\n".join(out)


def putty_ok(v):
    return re.fullmatch(r"PuTTY-User-Key-File-[23]: [\w-]+\n(?:[\w-]+: .*\n)+?Public-Lines: \d+\n(?:[A-Za-z0-9+/=]+\n)+"
                        r"Private-Lines: \d+\n(?:[A-Za-z0-9+/=]+\n)+Private-MAC: [0-9a-f]{40,64}", v) is not None


def gen_aws_key_id():
    while True:
        k = rng.choice(["AKIA"] * 4 + ["ASIA"]) + rs("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
        if "EXAMPLE" not in k:
            return k


def gen_aws_secret():
    return rs(UPPER + LOWER + DIGITS * 2 + "/+", 40)


def gen_gcp_key():
    return "AIza" + rs(DIGITS + UPPER + LOWER + "_-", 35)


def gen_stripe():
    return rng.choice(["sk_live_"] * 4 + ["rk_live_"]) + rs(ALNUM, rng.choice([24, 24, 34, 99, 99, 58]))


def gen_gitlab():
    return "glpat-" + rs(ALNUM + "_-", 20)


def gen_slack():
    if rng.random() < 0.55:
        return "xoxb-%s-%s-%s" % (rs(DIGITS, rng.choice([11, 12, 13])), rs(DIGITS, 13), rs(ALNUM, 24))
    return "xoxp-%s-%s-%s-%s" % (rs(DIGITS, 11), rs(DIGITS, 12), rs(DIGITS, 13), rs(HEX, 32))


def gen_openai():
    if rng.random() < 0.7:
        n = rng.randint(74, 164)
        body = rs(ALNUM + "_-", n)
        if rng.random() < 0.6 and n > 40:
            i = rng.randint(10, n - 20)
            body = body[:i] + "T3BlbkFJ" + body[i + 8:]
        return "sk-proj-" + body
    return "sk-" + rs(ALNUM, 20) + "T3BlbkFJ" + rs(ALNUM, 20)


def gen_anthropic():
    return "sk-ant-api03-" + rs(ALNUM + "_-", 93) + "AA"


def gen_hf():
    return "hf_" + rs(UPPER + LOWER, 34)


def gen_basic(user, pw):
    return base64.b64encode(("%s:%s" % (user, pw)).encode()).decode()


TOKEN_RX = {
    "AWS_ACCESS_KEY_ID": r"(AKIA|ASIA)[A-Z2-7]{16}",
    "AWS_CREDENTIALS": r"[A-Za-z0-9/+]{40}",
    "GCP_API_KEY": r"AIza[0-9A-Za-z_-]{35}",
    "STRIPE_CREDENTIALS": r"(sk|rk)_live_[0-9A-Za-z]{24,99}",
    "GITLAB_TOKEN": r"glpat-[0-9A-Za-z_-]{20}",
    "SLACK_TOKEN": r"xox[bp]-\d+-\d+(-\d+)?-[0-9A-Za-z]+",
    "OPENAI_API_KEY": r"sk-proj-[A-Za-z0-9_-]{74,164}|sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}",
    "ANTHROPIC_API_KEY": r"sk-ant-api03-[A-Za-z0-9_-]{93}AA",
    "HUGGINGFACE_TOKEN": r"hf_[A-Za-z]{34}",
    "GOOGLE_SERVICE_ACCOUNT_KEY": r"[0-9a-f]{40}",
    "HTTP_BASIC_AUTH_HEADER": r"[A-Za-z0-9+/]+={0,2}",
}

# ---------------------------------------------------------------------------
# Document model: text is appended piece by piece; planted values (P) and hard
# negatives (N) record their byte/char spans as they are written.
# ---------------------------------------------------------------------------


class P:
    """A planted positive.  `value` is validated, `raw` is written."""
    neg = False

    def __init__(self, typ, raw, value=None, num=False):
        self.type, self.raw, self.value, self.num = typ, raw, (raw if value is None else value), num


class N:
    """A hard negative of a given kind; `nokw` names a type whose keywords must not be near."""
    neg = True

    def __init__(self, kind, raw, nokw=None, num=False):
        self.kind, self.raw, self.nokw, self.num = kind, raw, nokw, num
        self.type = None


class M:
    """A JSON string (or CSV cell) mixing plain text with P/N parts."""

    def __init__(self, *parts):
        self.parts = parts


DOCS = []
TPL_RE = re.compile(r"\{\$(\w+)\}")


PATHS_USED = set()


def unique_path(path):
    if path not in PATHS_USED:
        PATHS_USED.add(path)
        return path
    base, ext = os.path.splitext(path)
    if ext in (".key",) or os.path.basename(path).startswith("."):
        base, ext = path, ""
    n = 2
    while "%s-%d%s" % (base, n, ext) in PATHS_USED:
        n += 1
    p = "%s-%d%s" % (base, n, ext)
    PATHS_USED.add(p)
    return p


class Doc:
    def __init__(self, path, kind):
        self.path, self.kind = unique_path(path), kind
        self.buf, self.nb, self.nc = [], 0, 0
        self.labels, self.negs = [], []
        DOCS.append(self)

    def t(self, s):
        self.buf.append(s)
        self.nb += len(s.encode("utf-8"))
        self.nc += len(s)

    def put(self, item, ctx="", extra=None, text=None):
        if item is None:
            return
        if isinstance(item, str):
            self.t(item)
            return
        if isinstance(item, (list, tuple)):
            for x in item:
                self.put(x, ctx, extra)
            return
        w = item.raw if text is None else text
        bs, cs = self.nb, self.nc
        self.t(w)
        rec = {"item": item, "bs": bs, "be": self.nb, "cs": cs, "ce": self.nc, "w": w, "ctx": ctx,
               "extra": dict(extra or {})}
        (self.negs if item.neg else self.labels).append(rec)

    def f(self, tpl, **kw):
        pos = 0
        for m in TPL_RE.finditer(tpl):
            self.t(tpl[pos:m.start()])
            self.put(kw[m.group(1)])
            pos = m.end()
        self.t(tpl[pos:])

    def ln(self, tpl="", **kw):
        self.f(tpl + "\n", **kw)

    def text(self):
        return "".join(self.buf)


def cell_text(c):
    if c is None:
        return ""
    if isinstance(c, str):
        return c
    if isinstance(c, M):
        return "".join(cell_text(x) for x in c.parts)
    return c.raw


def emit_csv(doc, header, rows, delim=",", quote_all=False, crlf=False):
    nl = "\r\n" if crlf else "\n"

    def q(text):
        return quote_all or delim in text or '"' in text or "\n" in text

    doc.t(delim.join(('"%s"' % h) if quote_all else h for h in header) + nl)
    for ri, row in enumerate(rows):
        for ci, c in enumerate(row):
            if ci:
                doc.t(delim)
            txt = cell_text(c)
            quoted = q(txt)
            if quoted:
                doc.t('"')
            parts = c.parts if isinstance(c, M) else [c]
            for p in parts:
                if p is None:
                    continue
                if isinstance(p, str):
                    doc.t(p.replace('"', '""') if quoted else p)
                else:
                    doc.put(p, ctx=header[ci], extra={"row": ri + 2, "column": header[ci]})
            if quoted:
                doc.t('"')
        doc.t(nl)


def jkey(path, k):
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", k):
        return path + "." + k
    return path + "[" + json.dumps(k, ensure_ascii=False) + "]"


def emit_json(doc, obj, indent=2, record=0, compact=False, path="$", level=0, prefix=""):
    sep_item = "," if compact else ", "
    sep_kv = ":" if compact else ": "
    nl = "" if indent is None else "\n" + prefix

    def pad(lv):
        return "" if indent is None else " " * (indent * lv)

    def extra(p):
        return {"record": record, "json_path": p}

    if isinstance(obj, dict):
        if not obj:
            doc.t("{}")
            return
        doc.t("{" + nl)
        for i, (k, v) in enumerate(obj.items()):
            if i:
                doc.t((sep_item if indent is None else ",") + nl)
            doc.t(pad(level + 1) + json.dumps(k, ensure_ascii=False) + sep_kv)
            emit_json(doc, v, indent, record, compact, jkey(path, k), level + 1, prefix)
        doc.t(nl + pad(level) + "}")
    elif isinstance(obj, list):
        if not obj:
            doc.t("[]")
            return
        doc.t("[" + nl)
        for i, v in enumerate(obj):
            if i:
                doc.t((sep_item if indent is None else ",") + nl)
            doc.t(pad(level + 1))
            emit_json(doc, v, indent, record, compact, "%s[%d]" % (path, i), level + 1, prefix)
        doc.t(nl + pad(level) + "]")
    elif isinstance(obj, (P, N)):
        if obj.num:
            doc.put(obj, ctx=path, extra=extra(path))
        else:
            doc.t('"')
            doc.put(obj, ctx=path, extra=extra(path), text=json.dumps(obj.raw, ensure_ascii=False)[1:-1])
            doc.t('"')
    elif isinstance(obj, M):
        doc.t('"')
        for p in obj.parts:
            if isinstance(p, str):
                doc.t(json.dumps(p, ensure_ascii=False)[1:-1])
            else:
                doc.put(p, ctx=path, extra=extra(path), text=json.dumps(p.raw, ensure_ascii=False)[1:-1])
        doc.t('"')
    else:
        doc.t(json.dumps(obj, ensure_ascii=False))


def emit_jsonl(doc, records):
    for i, r in enumerate(records):
        emit_json(doc, r, indent=None, record=i, compact=True)
        doc.t("\n")


# ---------------------------------------------------------------------------
# People, places and filler pools
# ---------------------------------------------------------------------------

US_FIRST = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
            "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
            "Christopher", "Lisa", "Daniel", "Nancy", "Matthew", "Betty", "Anthony", "Sandra", "Mark", "Ashley",
            "Donald", "Kimberly", "Steven", "Emily", "Andrew", "Donna", "Kenneth", "Michelle", "Joshua", "Carol",
            "Kevin", "Amanda", "Brian", "Melissa", "George", "Deborah", "Timothy", "Stephanie", "Ronald", "Rebecca",
            "Jason", "Laura", "Ryan", "Sharon", "Jacob", "Cynthia", "Gary", "Kathleen", "Nicholas", "Amy", "Eric",
            "Shirley", "Jonathan", "Angela", "Priya", "Wei", "Carlos", "Aisha", "Mohammed", "Sofia", "Diego", "Mei"]
US_LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
           "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
           "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
           "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green",
           "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Patel",
           "Chen", "Kowalski", "O'Brien", "Sullivan", "Murphy", "Okafor", "Haddad", "Nakamura", "Kim"]
UK_FIRST = ["Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Jack", "Emily", "Charlie", "Sophie", "Thomas",
            "Grace", "Alfie", "Poppy", "Freddie", "Ella", "Archie", "Lily", "Henry", "Evie", "Rhys", "Siobhan"]
UK_LAST = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
           "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "Hughes",
           "Patel", "Khan", "Ahmed", "Murray", "Fletcher"]
DE_FIRST = ["Lukas", "Anna", "Leon", "Lena", "Finn", "Marie", "Jonas", "Sophie", "Paul", "Laura", "Felix", "Julia",
            "Maximilian", "Katharina", "Tobias", "Sabine", "Jürgen", "Ursula", "Stefan", "Claudia"]
DE_LAST = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
           "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger"]
FR_FIRST = ["Camille", "Lucas", "Léa", "Hugo", "Manon", "Louis", "Chloé", "Gabriel", "Emma", "Jules", "Inès",
            "Arthur", "Sarah", "Raphaël", "Juliette", "Thomas", "Élodie", "Nicolas", "Mathilde", "Antoine"]
FR_LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
           "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier"]
IT_FIRST = ["Marco", "Giulia", "Alessandro", "Francesca", "Luca", "Chiara", "Matteo", "Sara", "Lorenzo", "Martina",
            "Andrea", "Valentina", "Giuseppe", "Elena", "Davide", "Federica", "Simone", "Alessia", "Paolo", "Silvia"]
IT_LAST = ["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
           "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo", "Lombardi", "Moretti"]
ES_FIRST = ["Hugo", "Lucía", "Martín", "Sofía", "Pablo", "María", "Daniel", "Paula", "Alejandro", "Valeria",
            "Álvaro", "Carmen", "Javier", "Elena", "Sergio", "Marta", "Adrián", "Laura", "Diego", "Irene"]
ES_LAST = ["García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez", "Pérez", "Gómez",
           "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz", "Álvarez", "Romero", "Navarro"]
BR_FIRST = ["João", "Maria", "Pedro", "Ana", "Lucas", "Juliana", "Gabriel", "Fernanda", "Rafael", "Camila",
            "Mateus", "Beatriz", "Felipe", "Larissa", "Gustavo", "Letícia", "Bruno", "Amanda", "Thiago", "Patrícia"]
BR_LAST = ["Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira", "Lima", "Gomes",
           "Costa", "Ribeiro", "Martins", "Carvalho", "Almeida", "Lopes", "Soares", "Fernandes", "Vieira", "Barbosa"]
IN_FIRST = ["Aarav", "Priya", "Vivaan", "Ananya", "Aditya", "Diya", "Arjun", "Isha", "Rohan", "Kavya", "Rahul",
            "Sneha", "Vikram", "Pooja", "Karan", "Neha", "Sanjay", "Lakshmi", "Amit", "Deepika"]
IN_LAST = ["Sharma", "Verma", "Gupta", "Patel", "Reddy", "Iyer", "Nair", "Singh", "Kumar", "Das", "Rao", "Mehta",
           "Joshi", "Chopra", "Banerjee", "Pillai", "Menon", "Agarwal", "Bose", "Kapoor"]
CA_FIRST = ["Liam", "Olivia", "Noah", "Emma", "Ethan", "Chloé", "Benjamin", "Charlotte", "Logan", "Florence",
            "Samuel", "Alice", "Mathis", "Léa", "Owen", "Zoé", "Jacob", "Maëlle", "Nathan", "Rosalie"]
CA_LAST = ["Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie", "Fortin", "Gagné",
           "Smith", "Brown", "Wilson", "MacDonald", "Campbell", "Anderson", "Leblanc", "Pelletier", "Bélanger"]

NAMES = {"US": (US_FIRST, US_LAST), "UK": (UK_FIRST, UK_LAST), "DE": (DE_FIRST, DE_LAST), "FR": (FR_FIRST, FR_LAST),
         "IT": (IT_FIRST, IT_LAST), "ES": (ES_FIRST, ES_LAST), "BR": (BR_FIRST, BR_LAST), "IN": (IN_FIRST, IN_LAST),
         "CA": (CA_FIRST, CA_LAST)}

PUBLIC_MAIL = {"US": ["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "hotmail.com", "aol.com", "proton.me"],
               "UK": ["gmail.com", "btinternet.com", "outlook.com", "yahoo.co.uk", "sky.com"],
               "DE": ["gmx.de", "web.de", "t-online.de", "gmail.com", "posteo.de"],
               "FR": ["orange.fr", "free.fr", "laposte.net", "gmail.com", "sfr.fr"],
               "IT": ["libero.it", "gmail.com", "virgilio.it", "tiscali.it"],
               "ES": ["gmail.com", "hotmail.es", "telefonica.net", "yahoo.es"],
               "BR": ["uol.com.br", "gmail.com", "bol.com.br", "terra.com.br", "hotmail.com"],
               "IN": ["gmail.com", "rediffmail.com", "yahoo.co.in", "outlook.com"],
               "CA": ["gmail.com", "videotron.ca", "rogers.com", "shaw.ca", "outlook.com"]}
COMPANY = ["northwind-traders.com", "brightpath.io", "larkspur-logistics.com", "meridianhealth.org", "orbitpay.com",
           "kestrel-analytics.com", "bluefin-retail.com", "acmecloud.dev", "pinecrest-insurance.com", "harborview.co"]
COUNTRY_CC = {"US": "+1", "CA": "+1", "UK": "+44", "DE": "+49", "FR": "+33", "IT": "+39", "ES": "+34", "BR": "+55"}
PHONE_TYPE = {"US": "PHONE_NUMBER", "CA": "PHONE_NUMBER", "UK": "UK_PHONE_NUMBER", "DE": "GERMANY_PHONE_NUMBER",
              "FR": "FRANCE_PHONE_NUMBER", "IT": "ITALY_PHONE_NUMBER", "ES": "SPAIN_PHONE_NUMBER",
              "BR": "BRAZIL_PHONE_NUMBER"}

US_CITIES = [("San Francisco", "CA", "941", 37.77493, -122.41942), ("New York", "NY", "100", 40.71278, -74.00597),
             ("Chicago", "IL", "606", 41.87811, -87.62980), ("Austin", "TX", "787", 30.26715, -97.74306),
             ("Seattle", "WA", "981", 47.60621, -122.33207), ("Denver", "CO", "802", 39.73915, -104.99025),
             ("Boston", "MA", "021", 42.36008, -71.05888), ("Miami", "FL", "331", 25.76168, -80.19179),
             ("Atlanta", "GA", "303", 33.74900, -84.38798), ("Portland", "OR", "972", 45.51523, -122.67839),
             ("Phoenix", "AZ", "850", 33.44838, -112.07404), ("Columbus", "OH", "432", 39.96118, -82.99879),
             ("Philadelphia", "PA", "191", 39.95258, -75.16522), ("Newark", "NJ", "071", 40.73566, -74.17237),
             ("Detroit", "MI", "482", 42.33143, -83.04575), ("Raleigh", "NC", "276", 35.77959, -78.63818)]
US_AREA = {"CA": ["415", "510", "650", "408", "213", "310", "619"], "NY": ["212", "646", "718", "917", "516"],
           "IL": ["312", "773", "847"], "TX": ["512", "214", "713", "210"], "WA": ["206", "425", "253"],
           "CO": ["303", "720"], "MA": ["617", "781", "508"], "FL": ["305", "786", "954"], "GA": ["404", "678"],
           "OR": ["503", "971"], "AZ": ["602", "480"], "OH": ["614", "216"], "PA": ["215", "267", "412"],
           "NJ": ["973", "201", "732"], "MI": ["313", "248"], "NC": ["919", "704"]}
STREETS = ["Maple Ave", "Oak St", "Pine St", "Cedar Ln", "Elm St", "Washington Blvd", "Lakeview Dr", "Hillcrest Rd",
           "Sunset Blvd", "Park Ave", "Mission St", "Broadway", "Market St", "Highland Ave", "River Rd"]
WORLD_PLACES = [("London", 51.50735, -0.12776), ("Berlin", 52.52001, 13.40495), ("Paris", 48.85661, 2.35222),
                ("Madrid", 40.41678, -3.70379), ("Rome", 41.90278, 12.49637), ("São Paulo", -23.55052, -46.63331),
                ("Mumbai", 19.07598, 72.87766), ("Toronto", 43.65323, -79.38318), ("Sydney", -33.86882, 151.20929),
                ("Tokyo", 35.67620, 139.65031), ("Cape Town", -33.92487, 18.42406), ("Reykjavík", 64.14660, -21.94260)]


def ascii_fold(s):
    tr = str.maketrans("áàâäãåéèêëíìîïóòôöõúùûüçñÁÀÂÄÃÉÈÊËÍÌÎÏÓÒÔÖÕÚÙÛÜÇÑß'", "aaaaaaeeeeiiiiooooouuuucnAAAAAEEEEIIIIOOOOOUUUUCNs ")
    return s.translate(tr).replace(" ", "")


class Person:
    def __init__(self, country="US"):
        fl, ll = NAMES[country]
        self.country = country
        self.first = rng.choice(fl)
        self.last = rng.choice(ll)
        self.female = rng.random() < 0.5
        self.name = self.first + " " + self.last
        y = rng.randint(1930, 2008) if rng.random() < 0.15 else rng.randint(1950, 2004)
        self.dob = datetime.date(y, rng.randint(1, 12), rng.randint(1, 28))
        f, l_ = ascii_fold(self.first).lower(), ascii_fold(self.last).lower()
        style = rng.randint(0, 5)
        if style == 0:
            local = "%s.%s" % (f, l_)
        elif style == 1:
            local = "%s%s" % (f[0], l_)
        elif style == 2:
            local = "%s.%s%d" % (f, l_, rng.randint(1, 99))
        elif style == 3:
            local = "%s_%s" % (f, l_)
        elif style == 4:
            local = "%s%s%d" % (f, l_[0], self.dob.year % 100)
        else:
            local = "%s.%s" % (f[0], l_)
        self.email = local + "@" + rng.choice(PUBLIC_MAIL[country])
        self.work_email = "%s.%s@%s" % (f, l_, rng.choice(COMPANY))
        self.city = rng.choice(US_CITIES)


def email_p(addr):
    return P("EMAIL_ADDRESS", addr)


def email_ok(s):
    return re.fullmatch(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", s) is not None


# ---- phone numbers ----

def us_local(area=None):
    area = area or rng.choice(sum(US_AREA.values(), []))
    ex = "%d%02d" % (rng.randint(2, 9), rng.randint(0, 99))
    if ex[1:] == "11" or ex == "555":
        ex = "%d47" % rng.randint(2, 9)
    return area, ex, "%04d" % rng.randint(0, 9999)


def gen_phone(country, with_cc, area=None):
    """Return (raw) phone string; with_cc adds the international prefix."""
    c = country
    if c in ("US", "CA"):
        if c == "CA":
            area = area or rng.choice(["416", "647", "514", "438", "604", "778", "403", "613", "902"])
        a, e, s = us_local(area)
        if with_cc:
            return rng.choice(["+1 (%s) %s-%s", "+1 %s-%s-%s", "+1-%s-%s-%s", "+1 %s %s %s", "+1.%s.%s.%s",
                               "+1%s%s%s"]) % (a, e, s)
        return rng.choice(["(%s) %s-%s", "%s-%s-%s", "%s.%s.%s", "(%s) %s-%s", "%s %s %s", "%s%s%s"]) % (a, e, s)
    if c == "UK":
        kind = rng.choice(["lon", "mob", "mob", "geo"])
        if kind == "lon":
            n = ("20", rng.choice(["7", "8", "3"]) + rs(DIGITS, 3), rs(DIGITS, 4))
            return ("+44 %s %s %s" if with_cc else "0%s %s %s") % n
        if kind == "mob":
            n = ("7" + rng.choice("1234589") + rs(DIGITS, 2), rs(DIGITS, 3), rs(DIGITS, 3))
            return ("+44 %s %s %s" if with_cc else "0%s %s %s") % n
        n = (rng.choice(["161", "121", "131", "113", "117", "141"]), rs(DIGITS, 3), rs(DIGITS, 4))
        return ("+44 %s %s %s" if with_cc else "0%s %s %s") % n
    if c == "DE":
        kind = rng.choice(["mob", "mob", "city"])
        if kind == "mob":
            pre = rng.choice(["151", "152", "157", "160", "170", "171", "176", "177", "179"])
            num = rs(DIGITS, 8 if pre[:2] == "15" else 7)
        else:
            pre = rng.choice(["30", "40", "89", "69", "221", "211", "711"])
            num = rs(DIGITS, 8 if len(pre) == 2 else 7)
        if with_cc:
            return rng.choice(["+49 %s %s", "+49 (0)%s %s", "+49-%s-%s", "+49%s%s"]) % (pre, num)
        return rng.choice(["0%s %s", "0%s/%s", "0%s-%s"]) % (pre, num)
    if c == "FR":
        first = rng.choice("1234567")
        groups = [rs(DIGITS, 2) for _ in range(4)]
        if with_cc:
            return rng.choice(["+33 %s %s %s %s %s", "+33 (0)%s %s %s %s %s", "+33%s%s%s%s%s"]) % tuple([first] + groups)
        return rng.choice(["0%s %s %s %s %s", "0%s.%s.%s.%s.%s", "0%s%s%s%s%s"]) % tuple([first] + groups)
    if c == "IT":
        if rng.random() < 0.6:
            pre = rng.choice(["320", "328", "333", "335", "339", "347", "348", "366", "380", "392"])
            a, b = rs(DIGITS, 3), rs(DIGITS, 4)
            return ("+39 %s %s %s" if with_cc else "%s %s %s") % (pre, a, b)
        pre = rng.choice(["02", "06", "011", "055", "081", "051"])
        num = rs(DIGITS, 8 if len(pre) == 2 else 7)
        return ("+39 %s %s" if with_cc else "%s %s") % (pre, num)
    if c == "ES":
        if rng.random() < 0.5:
            n = (rng.choice("67") + rs(DIGITS, 2), rs(DIGITS, 3), rs(DIGITS, 3))
            return ("+34 %s %s %s" if with_cc else "%s %s %s") % n
        n = (rng.choice(["91", "93", "96", "95", "94"]), rs(DIGITS, 3), rs(DIGITS, 2), rs(DIGITS, 2))
        return ("+34 %s %s %s %s" if with_cc else "%s %s %s %s") % n
    if c == "BR":
        ddd = rng.choice(["11", "21", "31", "41", "51", "61", "71", "81", "85", "19"])
        if rng.random() < 0.7:
            num = "9" + rs(DIGITS, 4), rs(DIGITS, 4)
        else:
            num = rng.choice("2345") + rs(DIGITS, 3), rs(DIGITS, 4)
        if with_cc:
            return rng.choice(["+55 (%s) %s-%s", "+55 %s %s-%s", "+55 %s %s %s"]) % ((ddd,) + num)
        return rng.choice(["(%s) %s-%s", "(%s) %s %s", "%s %s-%s"]) % ((ddd,) + num)
    raise ValueError(c)


def phone_p(country, with_cc=None, area=None):
    if with_cc is None:
        with_cc = rng.random() < 0.5
    return P(PHONE_TYPE[country], gen_phone(country, with_cc, area))


def phone_ok(t, s):
    d = only_digits(s)
    if t == "PHONE_NUMBER":
        if s.startswith("+1"):
            d = d[1:]
        return len(d) == 10 and d[0] in "23456789" and d[3] in "23456789"
    cc = {"UK_PHONE_NUMBER": "44", "GERMANY_PHONE_NUMBER": "49", "FRANCE_PHONE_NUMBER": "33",
          "ITALY_PHONE_NUMBER": "39", "SPAIN_PHONE_NUMBER": "34", "BRAZIL_PHONE_NUMBER": "55"}[t]
    if s.startswith("+"):
        if not d.startswith(cc):
            return False
        d = d[len(cc):]
        if "(0)" in s:
            d = d[1:]
    else:
        if t in ("UK_PHONE_NUMBER", "GERMANY_PHONE_NUMBER", "FRANCE_PHONE_NUMBER"):
            if d[0] != "0":
                return False
            d = d[1:]
    ln = {"UK_PHONE_NUMBER": (10, 10), "GERMANY_PHONE_NUMBER": (9, 11), "FRANCE_PHONE_NUMBER": (9, 9),
          "ITALY_PHONE_NUMBER": (9, 10), "SPAIN_PHONE_NUMBER": (9, 9), "BRAZIL_PHONE_NUMBER": (10, 11)}[t]
    return ln[0] <= len(d) <= ln[1]


# ---- dates ----
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


def fmt_date(d, style=None):
    style = style or rng.choice(["iso", "us", "us", "iso", "long", "short", "eu", "dash_us", "dmy_long", "slash_ymd"])
    if style == "iso":
        return d.strftime("%Y-%m-%d")
    if style == "us":
        return "%02d/%02d/%04d" % (d.month, d.day, d.year)
    if style == "us_nopad":
        return "%d/%d/%04d" % (d.month, d.day, d.year)
    if style == "long":
        return "%s %d, %d" % (MONTHS[d.month - 1], d.day, d.year)
    if style == "short":
        return "%s %d, %d" % (MONTHS[d.month - 1][:3], d.day, d.year)
    if style == "eu":
        return "%02d/%02d/%04d" % (d.day, d.month, d.year)
    if style == "dash_us":
        return "%02d-%02d-%04d" % (d.month, d.day, d.year)
    if style == "dmy_long":
        return "%d %s %d" % (d.day, MONTHS[d.month - 1], d.year)
    if style == "dmy_short":
        return "%02d-%s-%d" % (d.day, MONTHS[d.month - 1][:3], d.year)
    if style == "slash_ymd":
        return "%04d/%02d/%02d" % (d.year, d.month, d.day)
    if style == "dot":
        return "%02d.%02d.%04d" % (d.day, d.month, d.year)
    raise ValueError(style)


def dob_ok(s):
    for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%d/%m/%Y", "%B %d, %Y", "%b %d, %Y", "%m-%d-%Y", "%d %B %Y", "%d-%b-%Y",
                "%Y/%m/%d", "%d.%m.%Y"):
        try:
            d = datetime.datetime.strptime(s, fmt).date()
        except ValueError:
            continue
        return 1930 <= d.year <= 2008
    return False


def dob_p(person_or_date, style=None):
    d = person_or_date.dob if isinstance(person_or_date, Person) else person_or_date
    return P("DATE_OF_BIRTH", fmt_date(d, style))


def rand_ts(start=datetime.datetime(2023, 1, 1), days=640):
    return start + datetime.timedelta(seconds=rng.randint(0, days * 86400))


def iso_ts(t=None, ms=True, z=True):
    t = t or rand_ts()
    s = t.strftime("%Y-%m-%dT%H:%M:%S")
    if ms:
        s += ".%03d" % rng.randint(0, 999)
    return s + ("Z" if z else "+00:00")


def epoch(t=None, millis=False):
    t = t or rand_ts()
    e = int((t - datetime.datetime(1970, 1, 1)).total_seconds())
    return str(e * 1000 + rng.randint(0, 999)) if millis else str(e)


# ---- IPs ----

def public_ipv4():
    r = rng.random()
    if r < 0.45:
        return rng.choice(["192.0.2.", "198.51.100.", "203.0.113."]) + str(rng.randint(1, 254))
    first = rng.choice([23, 24, 31, 37, 45, 50, 62, 66, 71, 73, 76, 81, 82, 86, 89, 93, 98, 104, 108, 109, 134, 141,
                        146, 151, 154, 162, 173, 176, 185, 188, 195, 199, 207, 209, 212, 213, 217])
    return "%d.%d.%d.%d" % (first, rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254))


def public_ipv6():
    if rng.random() < 0.5:
        return "2001:db8:%x:%x::%x" % (rng.randint(0, 0xffff), rng.randint(0, 0xffff), rng.randint(1, 0xffff))
    pre = rng.choice(["2a02:%x" % rng.randint(0x1000, 0xffff), "2600:1f18", "2a01:4f8", "2607:f8b0", "2a00:1450",
                      "2604:a880"])
    return pre + ":%x:%x:%x:%x:%x:%x" % tuple(rng.randint(0, 0xffff) for _ in range(6))


def private_ip():
    return rng.choice(["10.%d.%d.%d" % (rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254)),
                       "192.168.%d.%d" % (rng.randint(0, 20), rng.randint(2, 254)),
                       "172.%d.%d.%d" % (rng.randint(16, 31), rng.randint(0, 255), rng.randint(1, 254)),
                       "127.0.0.1"])


def ip_ok(s):
    if ":" in s:
        return re.fullmatch(r"[0-9a-f:]+", s) is not None and not s.startswith(("fe80", "fc", "fd", "::1"))
    p = [int(x) for x in s.split(".")]
    if len(p) != 4 or any(x > 255 for x in p):
        return False
    return not (p[0] in (10, 127, 0) or (p[0] == 192 and p[1] == 168) or (p[0] == 172 and 16 <= p[1] <= 31)
                or (p[0] == 169 and p[1] == 254) or p[0] >= 224)


def ip_p():
    return P("IP_ADDRESS", public_ipv6() if rng.random() < 0.2 else public_ipv4())


def latlong(base=None, places=None):
    if base is None:
        if rng.random() < 0.6:
            c = rng.choice(US_CITIES)
            base = (c[3], c[4])
        else:
            c = rng.choice(WORLD_PLACES)
            base = (c[1], c[2])
    dec = places or rng.choice([4, 5, 5, 6, 6])
    la = base[0] + rng.uniform(-0.08, 0.08)
    lo = base[1] + rng.uniform(-0.08, 0.08)
    sep = rng.choice([", ", ",", ", ", " "])
    return "%.*f%s%.*f" % (dec, la, sep, dec, lo)


def latlong_ok(s):
    m = re.fullmatch(r"(-?\d{1,2}\.(\d{4,}))\s*,?\s*(-?\d{1,3}\.(\d{4,}))", s)
    return m is not None and abs(float(m.group(1))) <= 90 and abs(float(m.group(3))) <= 180


# ---- US documents ----
DL_STATES = ["CA", "NY", "FL", "TX", "IL", "WA", "PA", "NJ", "MI", "OH", "GA", "MA", "CO", "AZ", "NC"]


def gen_dl(state=None):
    st = state or rng.choice(DL_STATES)
    L = rng.choice(UPPER)
    if st == "CA":
        v = L + rs(DIGITS, 7)
    elif st == "NY":
        v = rs(DIGITS, 9) if rng.random() < 0.6 else "%s %s %s" % (rs(DIGITS, 3), rs(DIGITS, 3), rs(DIGITS, 3))
    elif st == "FL":
        d = rs(DIGITS, 12)
        v = L + d if rng.random() < 0.5 else "%s%s-%s-%s-%s-%s" % (L, d[:3], d[3:6], d[6:8], d[8:11], d[11])
    elif st == "TX":
        v = rs(DIGITS, 8)
    elif st == "IL":
        d = rs(DIGITS, 11)
        v = L + d if rng.random() < 0.5 else "%s%s-%s-%s" % (L, d[:3], d[3:7], d[7:])
    elif st == "WA":
        v = "WDL" + "".join(rng.choice(UPPER + DIGITS) for _ in range(6)) + rs(DIGITS, 3)
    elif st == "PA":
        v = rs(DIGITS, 8) if rng.random() < 0.5 else "%s %s %s" % (rs(DIGITS, 2), rs(DIGITS, 3), rs(DIGITS, 3))
    elif st == "NJ":
        d = rs(DIGITS, 14)
        v = L + d if rng.random() < 0.5 else "%s%s %s %s" % (L, d[:4], d[4:9], d[9:])
    elif st == "MI":
        d = rs(DIGITS, 12)
        v = L + d if rng.random() < 0.5 else "%s %s %s %s %s" % (L, d[:3], d[3:6], d[6:9], d[9:])
    elif st == "OH":
        v = rs(UPPER, 2) + rs(DIGITS, 6)
    elif st == "GA":
        v = rs(DIGITS, 9)
    elif st == "MA":
        v = "S" + rs(DIGITS, 8)
    elif st == "CO":
        v = "%s-%s-%s" % (rs(DIGITS, 2), rs(DIGITS, 3), rs(DIGITS, 4))
    elif st == "AZ":
        v = rng.choice("ABDY") + rs(DIGITS, 8)
    else:
        v = rs(DIGITS, 12)
    return st, v


def dl_ok(s):
    return re.fullmatch(r"[A-Z0-9][A-Z0-9 -]{5,19}[0-9A-Z]", s) is not None and sum(c.isdigit() for c in s) >= 3


def gen_passport():
    return rs(DIGITS, 9) if rng.random() < 0.6 else rng.choice("ACEFGHJKLMN") + rs(DIGITS, 8)


def passport_ok(s):
    return re.fullmatch(r"\d{9}|[A-Z]\d{8}", s) is not None


def gen_bank_acct():
    while True:
        a = rng.choice(DIGITS[1:]) + rs(DIGITS, rng.choice([8, 9, 9, 10, 11, 11, 12, 13, 14, 16]))
        if not (13 <= len(a) <= 19 and luhn_ok(a) and card_brand(a)):
            return a


def exp_p(style=None, past=False):
    m = rng.randint(1, 12)
    y = rng.randint(2025, 2031)
    style = style or rng.choice(["mmyy", "mmyy", "mmyy", "mmyyyy", "mmyy_dash"])
    if style == "mmyy":
        v = "%02d/%02d" % (m, y % 100)
    elif style == "mmyyyy":
        v = "%02d/%d" % (m, y)
    else:
        v = "%02d-%02d" % (m, y % 100)
    return P("CREDIT_CARD_EXPIRATION", v)


def exp_ok(s):
    m = re.fullmatch(r"(0[1-9]|1[0-2])[/-](\d{2}|20\d{2})", s)
    return m is not None


def cvv_p(amex=False):
    return P("CREDIT_CARD_SECURITY_CODE", rs(DIGITS, 4 if amex else 3))


def track_p(pan, name_last, name_first):
    yymm = "%02d%02d" % (rng.randint(25, 30), rng.randint(1, 12))
    svc = rng.choice(["101", "201", "121", "221"])
    if rng.random() < 0.5:
        disc = rs(DIGITS, rng.randint(10, 16))
        v = "%%B%s^%s/%s^%s%s%s?" % (pan, ascii_fold(name_last).upper(), ascii_fold(name_first).upper(), yymm, svc, disc)
    else:
        disc = rs(DIGITS, rng.randint(8, 13))
        v = ";%s=%s%s%s?" % (pan, yymm, svc, disc)
    return P("CREDIT_CARD_MAGNETIC_STRIPE", v)


def track_ok(s):
    m = re.fullmatch(r"%B(\d{13,19})\^[A-Z ]+/[A-Z ]+\^\d{4}\d{3}\d*\?", s) or re.fullmatch(r";(\d{13,19})=\d{4}\d{3}\d*\?", s)
    return m is not None and valid_card(m.group(1))

VALIDATORS = {
    "URL_CREDENTIALS": lambda v: re.fullmatch(r"[^\s/@'\"<>\\]{3,128}", v) is not None,
    "AWS_CREDENTIALS": lambda v: re.fullmatch(TOKEN_RX["AWS_CREDENTIALS"], v) is not None,
    "AWS_ACCESS_KEY_ID": lambda v: re.fullmatch(TOKEN_RX["AWS_ACCESS_KEY_ID"], v) is not None and "EXAMPLE" not in v,
    "GCP_API_KEY": lambda v: re.fullmatch(TOKEN_RX["GCP_API_KEY"], v) is not None,
    "HTTP_BASIC_AUTH_HEADER": lambda v: b":" in base64.b64decode(v),
    "JSON_WEB_TOKEN": jwt_ok,
    "OPENSSH_PRIVATE_KEY": lambda v: openssh_ok(v.replace("\\n", "\n")) or openssh_ok(re.sub(r"\n[ \t]+", "\n", v)),
    "PGP_PRIVATE_KEY": lambda v: pgp_ok(v.replace("\\n", "\n")) or pgp_ok(re.sub(r"\n[ \t]+", "\n", v)),
    "PKCS": lambda v: pkcs_ok(v) or pkcs_ok(re.sub(r"\n[ \t]+", "\n", v)),
    "PUTTY_PRIVATE_KEY": lambda v: putty_ok(v.replace("\r\n", "\n")) or putty_ok(re.sub(r"\n[ \t]+", "\n", v)),
    "STRIPE_CREDENTIALS": lambda v: re.fullmatch(TOKEN_RX["STRIPE_CREDENTIALS"], v) is not None,
    "GITHUB_TOKEN": gh_ok,
    "GITLAB_TOKEN": lambda v: re.fullmatch(TOKEN_RX["GITLAB_TOKEN"], v) is not None,
    "SLACK_TOKEN": lambda v: re.fullmatch(TOKEN_RX["SLACK_TOKEN"], v) is not None,
    "OPENAI_API_KEY": lambda v: re.fullmatch(TOKEN_RX["OPENAI_API_KEY"], v) is not None,
    "ANTHROPIC_API_KEY": lambda v: re.fullmatch(TOKEN_RX["ANTHROPIC_API_KEY"], v) is not None,
    "HUGGINGFACE_TOKEN": lambda v: re.fullmatch(TOKEN_RX["HUGGINGFACE_TOKEN"], v) is not None,
    "GOOGLE_SERVICE_ACCOUNT_KEY": lambda v: re.fullmatch(TOKEN_RX["GOOGLE_SERVICE_ACCOUNT_KEY"], v) is not None,
    "CREDIT_CARD_NUMBER": valid_card,
    "CREDIT_CARD_NUMBER_(NO_KEYWORD)": valid_card,
    "CREDIT_CARD_EXPIRATION": exp_ok,
    "CREDIT_CARD_SECURITY_CODE": lambda v: re.fullmatch(r"\d{3,4}", v) is not None,
    "CREDIT_CARD_MAGNETIC_STRIPE": track_ok,
    "BANK_ACCOUNT_NUMBER": lambda v: re.fullmatch(r"\d{8,17}", v) is not None,
    "USA_ABA_ROUTING_NUMBER": aba_ok,
    "USA_SOCIAL_SECURITY_NUMBER": lambda v: re.fullmatch(r"\d{3}([- ]?)\d{2}\1\d{4}", v) is not None and ssn_ok(v),
    "USA_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER": lambda v: re.fullmatch(r"9\d{2}([- ]?)\d{2}\1\d{4}", v) is not None and itin_ok(v),
    "USA_PASSPORT_NUMBER": passport_ok,
    "DRIVERS_LICENSE": dl_ok,
    "DATE_OF_BIRTH": dob_ok,
    "EMAIL_ADDRESS": email_ok,
    "IP_ADDRESS": ip_ok,
    "UK_NATIONAL_INSURANCE_NUMBER": nino_ok,
    "UK_NHS_NUMBER": lambda v: re.fullmatch(r"\d{3}([ -]?)\d{3}\1\d{4}", v) is not None and nhs_ok(v),
    "CANADA_SOCIAL_INSURANCE_NUMBER": lambda v: re.fullmatch(r"\d{3}([ -]?)\d{3}\1\d{3}", v) is not None and sin_ok(v),
    "FRANCE_NATIONAL_IDENTIFICATION_NUMBER": insee_ok,
    "GERMANY_NATIONAL_IDENTIFICATION_NUMBER": de_id_ok,
    "ITALY_NATIONAL_IDENTIFICATION_NUMBER": cf_ok,
    "SPAIN_DNI_NUMBER": dni_ok,
    "INDIA_AADHAAR_NUMBER": lambda v: re.fullmatch(r"\d{4}([ -]?)\d{4}\1\d{4}", v) is not None and aadhaar_ok(v),
    "BRAZIL_CPF_NUMBER": lambda v: re.fullmatch(r"\d{3}\.\d{3}\.\d{3}-\d{2}|\d{11}", v) is not None and cpf_ok(v),
    "VEHICLE_IDENTIFICATION_NUMBER": vin_ok,
    "USA_NATIONAL_PROVIDER_IDENTIFIER": npi_ok,
    "US_DRUG_ENFORCEMENT_AGENCY_NUMBER": dea_ok,
    "LATITUDE_LONGITUDE": latlong_ok,
}
for _t in PHONE_TYPE.values():
    VALIDATORS[_t] = (lambda t: lambda v: phone_ok(t, v))(_t)
for _cc, _t in IBAN_TYPES.items():
    VALIDATORS[_t] = (lambda cc: lambda v: iban_ok(v) and v.replace(" ", "")[:2] == cc)(_cc)


# ---------------------------------------------------------------------------
# Small builders for positives / negatives
# ---------------------------------------------------------------------------

def ch(*opts):
    return rng.choice(opts)


def card_p(kw=True, brand=None, style=None):
    d = gen_card(brand)
    return P("CREDIT_CARD_NUMBER" if kw else "CREDIT_CARD_NUMBER_(NO_KEYWORD)", fmt_card(d, style), d)


def ssn_p(style=None):
    style = style or ch("dash", "dash", "dash", "dash", "space", "bare")
    return P("USA_SOCIAL_SECURITY_NUMBER", fmt_ssn(gen_ssn(), style))


def itin_p():
    return P("USA_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", fmt_ssn(gen_itin(), ch("dash", "dash", "dash", "bare")))


def iban_p(cc, spaced=None):
    if spaced is None:
        spaced = rng.random() < 0.45
    return P(IBAN_TYPES[cc], fmt_iban(gen_iban(cc), spaced))


def nhs_p():
    d = gen_nhs()
    return P("UK_NHS_NUMBER", ch("%s %s %s", "%s %s %s", "%s%s%s", "%s-%s-%s") % (d[:3], d[3:6], d[6:]))


def sin_p():
    d = gen_sin()
    return P("CANADA_SOCIAL_INSURANCE_NUMBER", ch("%s %s %s", "%s-%s-%s", "%s%s%s") % (d[:3], d[3:6], d[6:]))


def nino_p():
    v = gen_nino()
    if rng.random() < 0.35:
        v = "%s %s %s %s %s" % (v[:2], v[2:4], v[4:6], v[6:8], v[8])
    return P("UK_NATIONAL_INSURANCE_NUMBER", v)


def aadhaar_p():
    d = gen_aadhaar()
    return P("INDIA_AADHAAR_NUMBER", ch("%s %s %s", "%s %s %s", "%s-%s-%s", "%s%s%s") % (d[:4], d[4:8], d[8:]))


def cpf_p():
    d = gen_cpf()
    return P("BRAZIL_CPF_NUMBER", fmt_cpf(d) if rng.random() < 0.85 else d)


def dni_p():
    n, l_ = gen_dni()
    return P("SPAIN_DNI_NUMBER", n + ("-" if rng.random() < 0.25 else "") + l_)


def insee_p():
    return P("FRANCE_NATIONAL_IDENTIFICATION_NUMBER", fmt_insee(gen_insee(), rng.random() < 0.5))


def cf_p(person):
    return P("ITALY_NATIONAL_IDENTIFICATION_NUMBER", gen_cf(person.first, person.last, person.dob.year,
                                                              person.dob.month, person.dob.day, person.female))


def aws_pair():
    return P("AWS_ACCESS_KEY_ID", gen_aws_key_id()), P("AWS_CREDENTIALS", gen_aws_secret())


def neg_bad_card():
    return N("luhn_invalid_card_number", fmt_card(bad_luhn_card()))


def neg_test_card():
    d = ch("4111111111111111", "4242424242424242", "5555555555554444", "378282246310005", "4012888888881881",
           "5105105105105100", "6011111111111117", "4000056655665556", "371449635398431", "3530111333300000")
    return N("published_test_card_number", fmt_card(d, ch("plain", "plain", "space", "dash")))


def neg_bad_prefix():
    return N("luhn_valid_bad_issuer_prefix", fmt_card(luhn_valid_bad_prefix(), ch("plain", "plain", "space")))


def neg_ts(kind=None):
    kind = kind or ch("iso", "epoch", "millis")
    if kind == "iso":
        return N("timestamp", iso_ts(ms=rng.random() < 0.5))
    if kind == "epoch":
        return N("timestamp", epoch())
    return N("timestamp", epoch(millis=True))


def neg_uuid():
    return N("uuid", uuid_like())


def neg_hash(kind=None):
    kind = kind or ch("md5", "sha1", "sha256", "git")
    n = {"md5": 32, "sha1": 40, "sha256": 64, "git": rng.choice([7, 8, 12, 40])}[kind]
    return N("hex_hash", rs(HEX, n))


def neg_bad_ssn():
    return N("invalid_ssn_with_keyword", fmt_ssn(bad_ssn(), "dash"))


def neg_bad_iban():
    ib = bad_iban()
    return N("iban_bad_check_digits", fmt_iban(ib, rng.random() < 0.4))


def neg_version():
    return N("version_string", ch("%d.%d.%d" % (rng.randint(0, 12), rng.randint(0, 40), rng.randint(0, 200)),
                                  "v%d.%d.%d" % (rng.randint(0, 12), rng.randint(0, 40), rng.randint(0, 200)),
                                  "v%d.%d.%d.%d" % (rng.randint(1, 12), rng.randint(0, 9), rng.randint(0, 9),
                                                    rng.randint(0, 9999)),
                                  "%d.%d.%d-rc.%d" % (rng.randint(0, 5), rng.randint(0, 30), rng.randint(0, 9),
                                                      rng.randint(1, 5))))


def neg_build():
    return N("build_number", ch("%d" % rng.randint(1000, 99999), "%d.%02d%02d.%d" % (
        rng.randint(2022, 2024), rng.randint(1, 12), rng.randint(1, 28), rng.randint(1, 999)),
        "b%d" % rng.randint(100000, 9999999), "%d%02d%02d%04d" % (rng.randint(2022, 2024), rng.randint(1, 12),
                                                                  rng.randint(1, 28), rng.randint(0, 9999))))


def neg_nine(nokw="USA_SOCIAL_SECURITY_NUMBER"):
    while True:
        d = rng.choice(DIGITS[1:]) + rs(DIGITS, 8)
        return N("nine_digit_number_without_keyword", d, nokw=nokw)


def neg_phone_nokw():
    return N("phone_without_country_code_or_keyword", gen_phone("US", False), nokw="PHONE_NUMBER")


def neg_private_ip():
    return N("private_ip_with_keyword", private_ip())


def neg_access_ip(v=None):
    return N("access_log_ip_without_keyword", v or (public_ipv4() if rng.random() < 0.9 else public_ipv6()),
             nokw="IP_ADDRESS")


def neg_b64(n=40):
    return N("base64_blob_without_aws_keyword", rs(UPPER + LOWER + DIGITS + "+/", n), nokw="AWS_CREDENTIALS")


PLACEHOLDERS = ["sk_live_xxxxxxxxxxxxxxxxxxxxxxxx", "<your-token-here>", "ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
                "AKIAXXXXXXXXXXXXXXXX", "${AWS_SECRET_ACCESS_KEY}", "<YOUR_API_KEY>", "changeme",
                "xoxb-your-bot-token", "sk-proj-REPLACE_ME", "hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                "glpat-xxxxxxxxxxxxxxxxxxxx", "AIzaSy-REPLACE-WITH-YOUR-KEY", "{{ .Values.stripeKey }}",
                "********", "REDACTED", "sk_test_4eC39HqLyjWDarjtT1zdp7dc", "<insert-secret>", "%(secret)s",
                "YOUR_SECRET_ACCESS_KEY", "sk-ant-api03-xxxxxxxx"]


def neg_placeholder(v=None):
    return N("placeholder_secret", v or rng.choice(PLACEHOLDERS))


AWS_DOC_KEYS = ["AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AKIAI44QH8DHBEXAMPLE",
                "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"]


def neg_aws_doc(i=None):
    return N("aws_documentation_example_key", AWS_DOC_KEYS[i if i is not None else rng.randint(0, 3)])


def neg_tracking():
    k = rng.randint(0, 5)
    if k == 0:
        v = "1Z" + rs(UPPER + DIGITS, 6) + rs(DIGITS, 10)
    elif k == 1:
        v = rs(DIGITS, 12)
    elif k == 2:
        v = "94" + rs(DIGITS, 20)
    elif k == 3:
        v = "ORD-%d-%06d" % (rng.randint(2022, 2024), rng.randint(1, 999999))
    elif k == 4:
        v = "INV-%05d" % rng.randint(1, 99999)
    else:
        v = "%d-%07d-%07d" % (rng.randint(100, 999), rng.randint(0, 9999999), rng.randint(0, 9999999))
    return N("order_invoice_tracking_number", v)


def neg_date(kind="non_birth_date", style=None):
    d = rand_ts().date()
    return N(kind, fmt_date(d, style or ch("iso", "us", "long", "short", "iso")))


def neg_measure():
    k = rng.randint(0, 3)
    if k == 0:
        v = "%d" % rng.randint(1000000000, 9999999999)
    elif k == 1:
        v = "%.2f" % rng.uniform(1, 99999)
    elif k == 2:
        v = "%d" % rng.randint(1, 5000)
    else:
        v = "%.4f" % rng.uniform(0, 1000)
    return N("numeric_table_value", v, nokw="PHONE_NUMBER")


def neg_bad_checksum(typ):
    """Right shape, wrong check digit, next to the right keyword."""
    if typ == "UK_NHS_NUMBER":
        d = gen_nhs()
        v = d[:9] + str((int(d[9]) + rng.randint(1, 9)) % 10)
        while nhs_ok(v):
            v = d[:9] + str((int(v[9]) + 1) % 10)
        v = "%s %s %s" % (v[:3], v[3:6], v[6:])
    elif typ == "CANADA_SOCIAL_INSURANCE_NUMBER":
        d = gen_sin()
        v = d[:8] + str((int(d[8]) + rng.randint(1, 9)) % 10)
        v = "%s %s %s" % (v[:3], v[3:6], v[6:])
    elif typ == "BRAZIL_CPF_NUMBER":
        d = gen_cpf()
        v = fmt_cpf(d[:10] + str((int(d[10]) + rng.randint(1, 9)) % 10))
    elif typ == "VEHICLE_IDENTIFICATION_NUMBER":
        v, _ = gen_vin()
        c = ch(*[x for x in "0123456789X" if x != v[8]])
        v = v[:8] + c + v[9:]
    elif typ == "USA_NATIONAL_PROVIDER_IDENTIFIER":
        d = gen_npi()
        v = d[:9] + str((int(d[9]) + rng.randint(1, 9)) % 10)
    elif typ == "US_DRUG_ENFORCEMENT_AGENCY_NUMBER":
        d = gen_dea("X")
        v = d[:8] + str((int(d[8]) + rng.randint(1, 9)) % 10)
    elif typ == "INDIA_AADHAAR_NUMBER":
        d = gen_aadhaar()
        v = d[:11] + str((int(d[11]) + rng.randint(1, 9)) % 10)
        v = "%s %s %s" % (v[:4], v[4:8], v[8:])
    elif typ == "SPAIN_DNI_NUMBER":
        n, l_ = gen_dni()
        v = n + ch(*[x for x in DNI_LETTERS if x != l_])
    elif typ == "ITALY_NATIONAL_IDENTIFICATION_NUMBER":
        p = Person("IT")
        c = gen_cf(p.first, p.last, p.dob.year, p.dob.month, p.dob.day, p.female)
        v = c[:15] + ch(*[x for x in UPPER if x != c[15]])
    elif typ == "FRANCE_NATIONAL_IDENTIFICATION_NUMBER":
        d = gen_insee()
        k = (int(d[13:]) + rng.randint(1, 50)) % 97 or 1
        v = d[:13] + "%02d" % k
    elif typ == "GERMANY_NATIONAL_IDENTIFICATION_NUMBER":
        d = gen_de_id()
        v = d[:9] + str((int(d[9]) + rng.randint(1, 9)) % 10)
    elif typ == "USA_ABA_ROUTING_NUMBER":
        d = gen_aba()
        v = d[:8] + str((int(d[8]) + rng.randint(1, 9)) % 10)
    else:
        raise ValueError(typ)
    assert not VALIDATORS[typ](v), (typ, v)
    return N("invalid_checksum_id_with_keyword", v)


# ---------------------------------------------------------------------------
# Prose: emails, tickets, HR notes, minutes, international letters
# ---------------------------------------------------------------------------

def rfc_date(t=None):
    t = t or rand_ts()
    return t.strftime("%a, %d %b %Y %H:%M:%S ") + ch("-0500", "-0800", "+0000", "+0100", "-0400", "-0700")


def mail_head(d, frm, to, subject, cc=None, t=None):
    d.ln("From: {$n} <{$e}>", n=frm.name, e=email_p(frm.email if "@" in frm.email else frm.work_email))
    d.ln("To: {$n} <{$e}>", n=to[0], e=email_p(to[1]))
    if cc:
        d.ln("Cc: {$e}", e=email_p(cc))
    d.ln("Date: " + rfc_date(t))
    d.ln("Subject: " + subject)
    d.ln("MIME-Version: 1.0")
    d.ln('Content-Type: text/plain; charset="UTF-8"')
    d.ln()


def signature(d, p, company, phone_style="kw"):
    d.ln("--")
    d.ln(p.name)
    d.ln(ch("Customer Success", "Accounts Payable", "Operations", "Billing Team", "People Ops", "Sales"))
    d.ln(company)
    if phone_style == "kw":
        d.ln("{$k} {$p}", k=ch("Tel:", "Phone:", "Mobile:", "M:", "Cell:", "Direct line:", "tel."),
             p=phone_p("US", False))
    elif phone_style == "cc":
        d.ln("{$p}", p=phone_p("US", True))
    d.ln("{$e}", e=email_p(p.work_email))


def support_agent():
    a = Person("US")
    a.email = a.work_email
    return a


def mail_card_update(i):
    c = Person("US")
    ag = support_agent()
    co = ag.work_email.split("@")[1]
    d = Doc("email/billing-card-update-%02d.txt" % i, "prose")
    mail_head(d, c, (ag.name, ag.work_email), ch("Re: Payment failed for your subscription",
                                                   "Updating my card on file", "Billing question - order ") +
              ("" if rng.random() < 0.5 else " [#%d]" % rng.randint(10000, 99999)))
    d.ln("Hi %s," % ag.first)
    d.ln()
    amex = rng.random() < 0.25
    cp = card_p(True, "amex" if amex else None)
    kwl = ch("so my new card number is", "so please use card", "so here is the new credit card:",
             "so the new card is", "so please charge the card below instead:\n")
    d.ln("Sorry for the hassle. My bank replaced my old card after some fraud, {$k} {$c}".replace("{$k}", kwl),
         c=cp)
    d.ln("{$k} {$e} and the {$s} is {$v}.", k=ch("It expires", "Expiration date is", "Exp.", "expiry"),
         e=exp_p(), s=ch("CVV", "security code", "CVC", "cvv2"), v=cvv_p(amex))
    d.ln()
    d.ln("The billing zip is %s%02d. If it fails again just call me on {$p} any time after 5pm."
         % (c.city[2], rng.randint(0, 99)), p=phone_p("US", False, rng.choice(US_AREA[c.city[1]])))
    d.ln()
    d.ln("My order was {$o} from {$dt}.", o=neg_tracking(), dt=neg_date())
    d.ln()
    d.ln("Thanks,")
    d.ln(c.name)
    d.ln()
    d.ln("On %s, %s wrote:" % (rfc_date(), ag.name))
    d.ln("> Hello %s, we were unable to process your payment of $%0.2f on %s." % (c.first, rng.uniform(9, 400),
                                                                                  fmt_date(rand_ts().date(), "long")))
    d.ln("> Please reply with updated details or update them in the portal. Reference: {$r}", r=neg_uuid())
    d.ln("> ")
    d.ln("> %s | %s" % (ag.name, co))


def mail_onboarding(i):
    e = Person("US")
    hr = support_agent()
    d = Doc("email/onboarding-paperwork-%02d.txt" % i, "prose")
    mail_head(d, e, (hr.name, hr.work_email), ch("New hire paperwork", "Re: Direct deposit + I-9 info",
                                                  "Onboarding forms for Monday"), cc=hr.work_email.replace(
        hr.work_email.split("@")[0], "payroll"))
    d.ln("Hi %s," % hr.first)
    d.ln()
    d.ln("Here is the info you asked for so payroll can set me up before my start date:")
    d.ln()
    d.ln("  Full name: %s" % e.name)
    d.ln("  {$k}: {$v}", k=ch("SSN", "Social Security Number", "SSN#", "Social security no."), v=ssn_p())
    d.ln("  {$k}: {$v}", k=ch("Date of birth", "DOB", "Birth date", "Birthdate"), v=dob_p(e))
    d.ln("  {$k} {$v}", k=ch("Mobile:", "Cell:", "Phone:", "Phone number:"), v=phone_p("US", rng.random() < 0.3))
    d.ln("  Personal email: {$e}", e=email_p(e.email))
    d.ln()
    d.ln("Direct deposit ({$b}):", b=ch("Chase", "Wells Fargo", "Bank of America", "US Bank", "Ally", "Capital One"))
    d.ln("  {$k} {$v}", k=ch("Routing number:", "ABA routing #", "Routing:", "RTN"), v=P("USA_ABA_ROUTING_NUMBER", gen_aba()))
    d.ln("  {$k} {$v}", k=ch("Checking account:", "Account number:", "Acct #", "Savings account number:"),
         v=P("BANK_ACCOUNT_NUMBER", gen_bank_acct()))
    d.ln()
    st, dl = gen_dl()
    if rng.random() < 0.5:
        d.ln("For the I-9 I'll bring my passport ({$p}) and my %s driver's license {$l}." % st,
             p=P("USA_PASSPORT_NUMBER", gen_passport()), l=P("DRIVERS_LICENSE", dl))
    else:
        d.ln("For the I-9 I'll bring my %s DL# {$l} plus my Social Security card." % st, l=P("DRIVERS_LICENSE", dl))
    d.ln()
    d.ln("The offer letter says start date %s and employee ID {$n}; let me know if anything else is needed."
         % fmt_date(rand_ts().date(), "long"), n=N("nine_digit_number_without_keyword", "E%07d" % rng.randint(0, 9999999)))
    d.ln()
    d.ln("Best,")
    d.ln(e.first)


def mail_vendor_invoice(i, cc):
    country = {"DE": "DE", "FR": "FR", "IT": "IT", "ES": "ES", "GB": "UK", "BR": "BR"}.get(cc, "UK")
    v = Person(country if country in NAMES else "UK")
    ap = support_agent()
    d = Doc("email/vendor-invoice-%s-%02d.txt" % (cc.lower(), i), "prose")
    mail_head(d, v, (ap.name, ap.work_email), "Invoice %s - updated bank details" % neg_tracking().raw)
    d.ln("Dear Accounts Payable team,")
    d.ln()
    d.ln("Please note that our bank details have changed. Kindly update your vendor master before the next")
    d.ln("payment run. Invoice {$inv} (EUR %s) is due on {$due}." % ("%0.2f" % rng.uniform(800, 90000)),
         inv=neg_tracking(), due=neg_date())
    d.ln()
    d.ln("  Beneficiary: %s %s" % (v.last, ch("GmbH", "SARL", "S.r.l.", "S.L.", "Ltd", "Ltda")))
    d.ln("  {$k} {$v}", k=ch("IBAN:", "IBAN", "New IBAN:", "Account (IBAN):"), v=iban_p(cc))
    d.ln("  BIC: %s%s%s" % (rs(UPPER, 4), cc, rs(UPPER + DIGITS, 2)))
    d.ln("  Old IBAN (closed, do not use): {$v}", v=iban_p(rng.choice(list(IBAN_TYPES))))
    d.ln()
    if country in PHONE_TYPE:
        d.ln("For confirmation you can reach me on {$p}.", p=phone_p(country, True))
    d.ln()
    d.ln("Kind regards,")
    d.ln(v.name)


def mail_security_notice(i):
    u = Person("US")
    d = Doc("email/security-alert-%02d.txt" % i, "prose")
    sec = Person("US")
    sec.email = "security-noreply@" + rng.choice(COMPANY)
    mail_head(d, sec, (u.name, u.email), ch("New sign-in to your account", "Was this you? Unusual login detected"))
    d.ln("Hi %s," % u.first)
    d.ln()
    d.ln("We noticed a new sign-in to your account.")
    d.ln()
    d.ln("  When:     {$t}", t=neg_ts("iso"))
    d.ln("  Device:   %s" % ch("Chrome 119 on Windows 10", "Safari on iPhone (iOS 17.1)", "Firefox 120 on Ubuntu"))
    d.ln("  {$k} {$ip}", k=ch("IP address:", "IP:", "From IP"), ip=ip_p())
    d.ln("  Location: %s (approximate)" % rng.choice(US_CITIES)[0])
    d.ln()
    d.ln("If this was you, you can ignore this message. If not, reset your password and review the devices")
    d.ln("connected to your account. Session ID {$s}.", s=neg_uuid())
    d.ln()
    d.ln("Internal gateway {$k}: {$ip} (not exposed).", k=ch("ip", "IP"), ip=neg_private_ip())


def mail_travel(i):
    t = Person("US")
    ag = support_agent()
    d = Doc("email/travel-booking-%02d.txt" % i, "prose")
    mail_head(d, ag, (t.name, t.work_email), "Your itinerary and traveler profile")
    d.ln("Hello %s," % t.first)
    d.ln()
    d.ln("Your booking {$r} is confirmed. We saved the following traveler profile for future trips:",
         r=N("order_invoice_tracking_number", rs(UPPER, 6)))
    d.ln()
    d.ln("  Traveler:        %s" % t.name)
    d.ln("  {$k} {$v}", k=ch("Date of birth:", "DOB:", "Birth date:"), v=dob_p(t, ch("long", "us", "iso", "dmy_long")))
    d.ln("  {$k} {$v}", k=ch("Passport:", "Passport number:", "Passport No."), v=P("USA_PASSPORT_NUMBER", gen_passport()))
    d.ln("  Passport expiry: {$x}", x=neg_date())
    d.ln("  {$k} {$v}", k=ch("Mobile:", "Contact phone:", "Phone:"), v=phone_p("US", True))
    d.ln("  Known Traveler #: {$k}", k=N("nine_digit_number_without_keyword", rs(DIGITS, 9)))
    d.ln()
    d.ln("Flight %s%d departs %s. Seat %d%s." % (rs(UPPER, 2), rng.randint(100, 2999),
                                                 fmt_date(rand_ts().date(), "long"), rng.randint(1, 40), ch("A", "C", "F")))
    d.ln("Card on file: {$c} (authorized, not charged).",
         c=N("masked_card_number", "**** **** **** %04d" % rng.randint(0, 9999)))
    d.ln()
    d.ln("Safe travels,")
    d.ln("%s, Travel Desk" % ag.name)


def mail_tax(i):
    c = Person("US")
    pr = support_agent()
    d = Doc("email/tax-prep-%02d.txt" % i, "prose")
    mail_head(d, c, (pr.name, pr.work_email), "Documents for %d return" % rng.randint(2022, 2024))
    d.ln("Hi %s," % pr.first)
    d.ln()
    d.ln("Attaching the W-2s. A few things you asked for:")
    d.ln()
    d.ln("- My {$k} is {$v}", k=ch("SSN", "social security number", "ssn"), v=ssn_p())
    sp = Person("US")
    d.ln("- My spouse %s doesn't have an SSN yet; her {$k} is {$v}" % sp.first,
         k=ch("ITIN", "I.T.I.N.", "individual taxpayer identification number (ITIN)"), v=itin_p())
    kid = Person("US")
    kid.dob = datetime.date(rng.randint(2005, 2008), rng.randint(1, 12), rng.randint(1, 28))
    d.ln("- Our son %s was born on {$b}, SSN {$s}" % kid.first, b=dob_p(kid, ch("long", "us")), s=ssn_p("dash"))
    d.ln("- Refund by direct deposit please: {$rk} {$r}, {$ak} {$a}", rk=ch("routing", "routing number", "ABA"),
         r=P("USA_ABA_ROUTING_NUMBER", gen_aba()), ak=ch("checking account", "checking acct", "savings account"),
         a=P("BANK_ACCOUNT_NUMBER", gen_bank_acct()))
    d.ln("- Last year's AGI was $%s and the e-file PIN is {$p}." % "{:,}".format(rng.randint(40000, 250000)),
         p=N("nine_digit_number_without_keyword", rs(DIGITS, 5)))
    d.ln()
    d.ln("The IRS letter reference is {$n} dated {$dt}.", n=neg_tracking(), dt=neg_date())
    d.ln("Btw the old SSN on the 2019 form ({$b}) was a typo by the previous preparer.", b=neg_bad_ssn())
    d.ln()
    d.ln("Thanks!")
    d.ln(c.first)


def mail_medical(i):
    pt = Person("US")
    doc = Person("US")
    d = Doc("email/referral-%02d.txt" % i, "prose")
    fr = Person("US")
    fr.email = "referrals@" + ch("meridianhealth.org", "pinecrest-clinic.com", "valleyortho.net")
    mail_head(d, fr, (doc.name, doc.work_email), "Referral: %s" % pt.name)
    d.ln("Dr. %s," % doc.last)
    d.ln()
    d.ln("We are referring the patient below for an orthopedic consult.")
    d.ln()
    d.ln("Patient: %s   {$k} {$b}" % pt.name, k=ch("DOB:", "D.O.B.", "Date of birth:"), b=dob_p(pt, ch("us", "us_nopad", "iso")))
    d.ln("Patient {$k} {$p}", k=ch("phone:", "cell:", "mobile:"), p=phone_p("US", False))
    d.ln("Member ID: {$m}   Group: {$g}", m=N("nine_digit_number_without_keyword", rs(UPPER, 3) + rs(DIGITS, 9)),
         g=N("nine_digit_number_without_keyword", rs(DIGITS, 6)))
    ref = Person("US")
    d.ln()
    d.ln("Referring provider: Dr. %s, {$nk} {$n}, {$dk} {$dv}" % ref.name, nk=ch("NPI", "NPI#", "NPI:"),
         n=P("USA_NATIONAL_PROVIDER_IDENTIFIER", gen_npi()), dk=ch("DEA", "DEA#", "DEA no."),
         dv=P("US_DRUG_ENFORCEMENT_AGENCY_NUMBER", gen_dea(ref.last)))
    d.ln("{$k} {$f}", k=ch("Fax:", "Fax"), f=phone_p("US", False))
    d.ln()
    d.ln("Imaging performed on {$d1}; report ID {$r}.", d1=neg_date(), r=neg_uuid())
    d.ln()
    d.ln("Thank you,")
    d.ln("Referral Coordinator")


def mail_dealer(i):
    c = Person("US")
    s = support_agent()
    d = Doc("email/vehicle-purchase-%02d.txt" % i, "prose")
    mail_head(d, s, (c.name, c.email), "Your purchase documents")
    v, make = gen_vin()
    d.ln("Hi %s," % c.first)
    d.ln()
    d.ln("Congratulations on your new %s! For your records:" % make)
    d.ln()
    d.ln("  {$k} {$v}", k=ch("VIN:", "VIN", "Vehicle Identification Number:"), v=P("VEHICLE_IDENTIFICATION_NUMBER", v))
    d.ln("  Stock #: {$s}   Odometer: %d mi" % rng.randint(3, 45000), s=N("order_invoice_tracking_number", "S%05d" % rng.randint(0, 99999)))
    st, dl = gen_dl()
    d.ln("  Buyer {$k} {$l} (%s)" % st, k=ch("driver's license:", "DL#", "drivers license no."), l=P("DRIVERS_LICENSE", dl))
    d.ln("  Buyer {$k} {$b}", k=ch("DOB:", "date of birth:"), b=dob_p(c))
    d.ln()
    d.ln("Trade-in VIN on the appraisal was {$t} but the title shows a typo, please bring the title.",
         t=neg_bad_checksum("VEHICLE_IDENTIFICATION_NUMBER"))
    d.ln("Deal #{$n} on {$dt}. Questions? Call {$p}.", n=neg_build(), dt=neg_date(), p=phone_p("US", False))


def mail_creds_share(i):
    a = Person("US")
    b = Person("US")
    a.email = a.work_email
    d = Doc("email/fwd-staging-access-%02d.txt" % i, "prose")
    mail_head(d, a, (b.name, b.work_email), ch("staging creds", "Fwd: access for the migration",
                                                "RE: can you send the bucket keys?"))
    d.ln("hey %s," % b.first.lower())
    d.ln()
    d.ln("here are the keys for the staging bucket, please move them into the vault after you're set up:")
    d.ln()
    kid, sec = aws_pair()
    d.ln("aws_access_key_id = {$k}", k=kid)
    d.ln("{$kw} {$s}", kw=ch("aws_secret_access_key =", "secret access key:", "AWS_SECRET_ACCESS_KEY="), s=sec)
    d.ln("region = %s" % ch("us-east-1", "us-west-2", "eu-west-1"))
    d.ln()
    kind = rng.randint(0, 3)
    if kind == 0:
        d.ln("and the deploy bot token for slack: {$t}", t=P("SLACK_TOKEN", gen_slack()))
    elif kind == 1:
        d.ln("CI uses this PAT, it expires in 30 days: {$t}", t=P("GITHUB_TOKEN", gen_github()))
    elif kind == 2:
        d.ln("gitlab runner token: {$t}", t=P("GITLAB_TOKEN", gen_gitlab()))
    else:
        d.ln("openai key for the summarizer: {$t}", t=P("OPENAI_API_KEY", gen_openai()))
    d.ln()
    d.ln("(the ones in the README are the AWS docs examples {$a} / {$b}, don't use those)", a=neg_aws_doc(0), b=neg_aws_doc(1))
    d.ln()
    d.ln("-%s" % a.first)


def mail_shipping(i):
    c = Person("US")
    d = Doc("email/shipping-confirmation-%02d.txt" % i, "prose")
    sh = Person("US")
    sh.email = "orders@" + ch("bluefin-retail.com", "northwind-traders.com", "larkspur-logistics.com")
    mail_head(d, sh, (c.name, c.email), "Your order has shipped!")
    d.ln("Hi %s, good news - your order {$o} shipped on {$s}." % c.first, o=neg_tracking(), s=neg_date())
    d.ln()
    d.ln("Carrier: %s" % ch("UPS", "FedEx", "USPS"))
    d.ln("Tracking number: {$t}", t=neg_tracking())
    d.ln()
    d.ln("Item                         Qty   Price")
    for _ in range(rng.randint(2, 5)):
        d.ln("%-28s %3s   ${$p}" % (ch("Trail Runner 2 (size 10)", "Merino Crew Sock 3-pk", "Insulated Bottle 32oz",
                                       "Rain Shell Jacket", "Headlamp 400lm", "Camp Mug"), rng.randint(1, 4)), p=neg_measure())
    d.ln()
    d.ln("Paid with {$b} ending in %04d. Estimated delivery {$e}." % rng.randint(0, 9999), b=ch("Visa", "Mastercard", "Amex"),
         e=neg_date())
    d.ln("Questions? Reply to this email or visit the help center. Order ref {$u}.", u=neg_uuid())


def mail_chat_paste(i):
    """Customer pasted a card number into a free-text form (no card keyword nearby)."""
    c = Person("US")
    d = Doc("email/webform-submission-%02d.txt" % i, "prose")
    fr = Person("US")
    fr.email = "webforms@" + rng.choice(COMPANY)
    mail_head(d, fr, ("Support Inbox", "support@" + rng.choice(COMPANY)), "New contact form submission")
    d.ln("Form: Contact us")
    d.ln("Submitted: {$t}", t=neg_ts("iso"))
    d.ln("Name: %s" % c.name)
    d.ln("Email: {$e}", e=email_p(c.email))
    d.ln("Phone: {$p}", p=phone_p("US", rng.random() < 0.5))
    d.ln()
    d.ln("Message:")
    d.ln("hi i tried to renew twice and it keeps saying declined. its {$c} and nothing is wrong with it, i used it"
         % (), c=card_p(False))
    d.ln("yesterday at the store. can someone just process it manually?? thanks")
    d.ln()
    d.ln("Browser: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/%s" % neg_version().raw)
    d.ln("Referrer: https://www.%s/account/renew?step=3" % rng.choice(COMPANY))


def gen_emails():
    for i in range(1, 4):
        mail_card_update(i)
    for i in range(1, 4):
        mail_onboarding(i)
    for i, cc in enumerate(["DE", "FR", "IT", "ES", "GB", "BR", "NL", "CH", "PL", "PT"], 1):
        mail_vendor_invoice(i, cc)
    for i in range(1, 4):
        mail_security_notice(i)
    for i in range(1, 3):
        mail_travel(i)
    for i in range(1, 3):
        mail_tax(i)
    for i in range(1, 3):
        mail_medical(i)
    for i in range(1, 3):
        mail_dealer(i)
    for i in range(1, 4):
        mail_creds_share(i)
    for i in range(1, 3):
        mail_shipping(i)
    for i in range(1, 4):
        mail_chat_paste(i)


def ticket(i):
    c = Person("US")
    ag = support_agent()
    kind = i % 6
    tid = rng.randint(10000, 99999)
    d = Doc("tickets/SUP-%d.md" % tid, "prose")
    d.ln("# SUP-%d: %s" % (tid, ["Refund not received", "Cannot update payment method",
                                                        "Account locked after password reset", "Duplicate charge",
                                                        "Identity verification failed", "Address change request"][kind]))
    d.ln()
    d.ln("| Field | Value |")
    d.ln("|---|---|")
    d.ln("| Requester | %s |" % c.name)
    d.ln("| Email | {$e} |", e=email_p(c.email))
    d.ln("| Phone | {$p} |", p=phone_p("US", rng.random() < 0.4))
    d.ln("| Priority | %s |" % ch("P2", "P3", "High", "Normal"))
    d.ln("| Created | {$t} |", t=neg_ts("iso"))
    d.ln("| Product version | {$v} |", v=neg_version())
    d.ln()
    d.ln("## Description")
    d.ln()
    if kind == 0:
        d.ln("Customer says the refund for order {$o} was approved on {$dt} but never arrived. They asked us to send it"
             % (), o=neg_tracking(), dt=neg_date())
        d.ln("to a different account instead: {$rk} {$r}, {$ak} {$a}.", rk=ch("routing #", "routing", "ABA"),
             r=P("USA_ABA_ROUTING_NUMBER", gen_aba()), ak=ch("checking account", "acct", "bank account"),
             a=P("BANK_ACCOUNT_NUMBER", gen_bank_acct()))
        d.ln()
        d.ln("> Original charge was on the %s card, auth code {$a}." % ch("Visa", "Amex", "Discover"),
             a=N("order_invoice_tracking_number", rs(UPPER + DIGITS, 6)))
    elif kind == 1:
        d.ln("Customer could not save the new card in the wallet page (error `E_CARD_DECLINED_51`). From the chat:")
        d.ln()
        d.ln("> **Customer:** ok here it is {$c}" % (), c=card_p(False))
        d.ln("> **Customer:** exp {$e} and the 3 digits on the back are {$v}", e=exp_p(), v=N("short_number", rs(DIGITS, 3)))
        d.ln()
        d.ln("_Agent note: told the customer not to paste full card details into chat; transcript needs redaction._")
        d.ln("Tested with sandbox card {$t} and it works, so the issue is on the issuer side.", t=neg_test_card())
    elif kind == 2:
        d.ln("User got locked out after resetting their password. Last successful login from {$k} {$ip}, failed attempts"
             % (), k=ch("IP", "ip address", "IP address"), ip=ip_p())
        d.ln("from {$k} {$ip2} (our VPN egress, ignore).", k=ch("ip", "IP"), ip2=neg_private_ip())
        d.ln()
        d.ln("```")
        d.ln("2024-02-11T08:14:22Z auth.lockout user_id=%d attempts=6 client_ip={$ip}" % rng.randint(100000, 999999), ip=ip_p())
        d.ln("```")
        d.ln("Verified identity with {$k} {$b} and the last four of the SSN (%04d)." % rng.randint(0, 9999),
             k=ch("DOB", "date of birth"), b=dob_p(c))
    elif kind == 3:
        d.ln("Two charges of $%0.2f on the same day. Customer sent a screenshot; card details visible:" % rng.uniform(10, 300))
        d.ln()
        amex = rng.random() < 0.3
        d.ln("- {$k} {$c}", k=ch("Card:", "Card number:", "Visa", "Mastercard", "credit card"),
             c=card_p(True, "amex" if amex else None))
        d.ln("- {$k} {$e}", k=ch("Exp", "Expiry:", "Expiration"), e=exp_p())
        d.ln("- Transaction IDs: {$a}, {$b}", a=neg_tracking(), b=neg_tracking())
        d.ln()
        d.ln("Internal ref: card-shaped number {$x} in the export failed Luhn - probably a typo in the CSV.", x=neg_bad_card())
    elif kind == 4:
        d.ln("KYC check failed: the {$k} entered ({$s}) does not match the bureau record." % (),
             k=ch("SSN", "Social Security number", "ssn"), s=ssn_p())
        d.ln("Customer re-entered {$b} which is not a valid SSN at all (rejected by the form).", b=neg_bad_ssn())
        d.ln()
        st, dl = gen_dl()
        d.ln("They uploaded a %s driver's license instead: {$l}, {$k} {$b}." % st, l=P("DRIVERS_LICENSE", dl),
             k=ch("DOB", "date of birth", "born"), b=dob_p(c))
    else:
        d.ln("Customer moved; new address below. Please also update the contact number.")
        d.ln()
        d.ln("    %d %s, %s, %s %s%02d" % (rng.randint(10, 9999), rng.choice(STREETS), c.city[0], c.city[1], c.city[2],
                                          rng.randint(0, 99)))
        d.ln("    {$k} {$p}", k=ch("Tel:", "Phone:", "Mobile:"), p=phone_p("US", False))
        d.ln()
        d.ln("Geocoded by the address service, {$k} {$g}.", k=ch("coordinates", "lat/long", "GPS position"), g=P("LATITUDE_LONGITUDE", latlong((c.city[3], c.city[4]))))
    d.ln()
    d.ln("## Internal notes")
    d.ln()
    d.ln("- %s: reproduced on build {$b}, env `prod-us-east`." % ag.first, b=neg_build())
    d.ln("- Escalated to tier 2 ({$e}).", e=email_p(ag.work_email))
    d.ln("- Related commit {$h}.", h=neg_hash("git"))


def hr_note(i):
    kind = i % 5
    if kind == 0:
        e = Person("US")
        d = Doc("hr/employee-file-%s.txt" % ascii_fold(e.last).lower(), "prose")
        d.ln("EMPLOYEE RECORD - CONFIDENTIAL")
        d.ln("==============================")
        d.ln("Name:            %s" % e.name)
        d.ln("Employee ID:     {$n}", n=N("nine_digit_number_without_keyword", "%06d" % rng.randint(0, 999999)))
        d.ln("{$k}{$v}", k=ch("SSN:            ", "Social Security: ", "SS#:            "), v=ssn_p())
        d.ln("{$k}{$v}", k=ch("Date of Birth:   ", "DOB:             ", "Birthdate:       "), v=dob_p(e))
        d.ln("Hire date:       {$h}", h=neg_date())
        d.ln("Home phone:      {$p}", p=phone_p("US", False))
        d.ln("Personal email:  {$e}", e=email_p(e.email))
        st, dl = gen_dl()
        d.ln("Driver license:  {$l} (%s)" % st, l=P("DRIVERS_LICENSE", dl))
        d.ln()
        d.ln("Payroll / direct deposit")
        d.ln("  Bank routing (ABA): {$r}", r=P("USA_ABA_ROUTING_NUMBER", gen_aba()))
        d.ln("  Checking account:   {$a}", a=P("BANK_ACCOUNT_NUMBER", gen_bank_acct()))
        d.ln()
        d.ln("Emergency contact: %s (spouse), cell {$p}" % Person("US").name, p=phone_p("US", False))
        d.ln()
        d.ln("Notes:")
        d.ln("%s - Annual review completed, rating 4/5, merit increase %0.1f%% effective {$d}." % (
            fmt_date(rand_ts().date(), "iso"), rng.uniform(1, 6)), d=neg_date())
        d.ln("%s - Updated W-4; spouse %s uses {$k} {$v} for the joint filing." % (
            fmt_date(rand_ts().date(), "iso"), Person("US").first), k=ch("ITIN", "itin"), v=itin_p())
    elif kind == 1:
        e = Person("UK")
        d = Doc("hr/uk-starter-%s.md" % ascii_fold(e.last).lower(), "prose")
        d.ln("## New starter checklist - %s" % e.name)
        d.ln()
        d.ln("- [x] Right to work verified (passport sighted)")
        d.ln("- [x] {$k} {$v}", k=ch("National Insurance number:", "NI number:", "NINO:", "NI No."), v=nino_p())
        d.ln("- [x] P45 received from previous employer, tax code 1257L")
        d.ln("- [x] Date of birth: {$b}", b=dob_p(e, ch("eu", "dmy_long", "iso")))
        d.ln("- [x] Bank details for payroll: IBAN {$i}", i=iban_p("GB"))
        d.ln("- [ ] Occupational health: {$k} {$n}", k=ch("NHS number", "NHS no.", "NHS No:"), n=nhs_p())
        d.ln()
        d.ln("Contact: {$p} / {$e}", p=phone_p("UK", True), e=email_p(e.email))
        d.ln("Mobile (as given on form): {$p}", p=phone_p("UK", False))
        d.ln()
        d.ln("Start date {$d}, laptop asset tag {$t}.", d=neg_date(), t=N("order_invoice_tracking_number", "LT-%05d" % rng.randint(0, 99999)))
        d.ln("Note: the NHS number on the old form ({$x}) failed the checksum, corrected above.",
             x=neg_bad_checksum("UK_NHS_NUMBER"))
    elif kind == 2:
        e = Person("CA")
        d = Doc("hr/ca-payroll-setup-%s.txt" % ascii_fold(e.last).lower(), "prose")
        d.ln("Payroll setup - Canada")
        d.ln("Employee: %s" % e.name)
        d.ln("{$k} {$v}", k=ch("SIN:", "Social Insurance Number:", "SIN #"), v=sin_p())
        d.ln("Date of birth: {$b}", b=dob_p(e, ch("iso", "long")))
        d.ln("Phone: {$p}", p=phone_p("CA", rng.random() < 0.5))
        d.ln("Email: {$e}", e=email_p(e.email))
        d.ln("Direct deposit: institution %03d, transit %05d, {$k} {$a}" % (rng.randint(1, 999), rng.randint(0, 99999)),
             k=ch("chequing account", "bank account", "account number"), a=P("BANK_ACCOUNT_NUMBER", gen_bank_acct()))
        d.ln("Previous SIN on file {$x} rejected by CRA validation.", x=neg_bad_checksum("CANADA_SOCIAL_INSURANCE_NUMBER"))
        d.ln("TD1 claim amount $%s, effective {$d}." % "{:,}".format(rng.randint(14000, 16000)), d=neg_date())
    elif kind == 3:
        d = Doc("hr/background-check-%03d.md" % i, "prose")
        e = Person("US")
        d.ln("# Background check summary")
        d.ln()
        d.ln("Candidate **%s** consented on {$d}. Vendor order {$o}." % e.name, d=neg_date(), o=neg_tracking())
        d.ln()
        d.ln("Identity data submitted (candidate's social security number {$s}; date of birth {$b}) matched",
             s=ssn_p(), b=dob_p(e, "long"))
        d.ln("the credit header. Passport {$p} was also verified.", p=P("USA_PASSPORT_NUMBER", gen_passport()))
        st, dl = gen_dl()
        d.ln("MVR pulled for %s driver's license {$l}: clean." % st, l=P("DRIVERS_LICENSE", dl))
        d.ln()
        d.ln("Previous addresses: %s, %s; %s, %s." % (rng.choice(US_CITIES)[0], rng.choice(US_CITIES)[1],
                                                     rng.choice(US_CITIES)[0], rng.choice(US_CITIES)[1]))
        d.ln("Reference contacted by phone: {$p}.", p=phone_p("US", False))
        d.ln()
        d.ln("Report checksum {$h}.", h=neg_hash("sha256"))
    else:
        d = Doc("hr/benefits-enrollment-%03d.txt" % i, "prose")
        e = Person("US")
        d.ln("Benefits enrollment confirmation")
        d.ln("Plan year: %d   Confirmation: {$c}" % rng.randint(2023, 2025), c=neg_uuid())
        d.ln()
        d.ln("Employee: %s" % e.name)
        d.ln("Dependents:")
        for _ in range(rng.randint(1, 3)):
            p = Person("US")
            d.ln("  - %s, {$bk} {$b}, {$sk} {$s}" % p.first, bk=ch("DOB", "born", "birth date"), b=dob_p(p, ch("us", "iso")),
                 sk=ch("SSN", "ssn"), s=ssn_p("dash"))
        d.ln()
        d.ln("HSA contributions will be deposited to {$k} {$a}.", k=ch("savings account", "bank account"),
             a=P("BANK_ACCOUNT_NUMBER", gen_bank_acct()))
        d.ln("Questions: benefits line {$p}, option 2.", p=phone_p("US", True))
        d.ln("Group number {$g}, effective {$d}.", g=neg_nine(), d=neg_date())


def minutes(i):
    d = Doc("minutes/%s-%s.md" % (rand_ts().strftime("%Y-%m-%d"), ch("eng-sync", "release-review", "incident-retro",
                                                                    "platform-standup", "q3-planning")), "prose")
    ppl = [Person("US") for _ in range(4)]
    d.ln("# %s" % ch("Weekly engineering sync", "Release review", "Incident retrospective", "Platform standup"))
    d.ln()
    d.ln("**Date:** {$d}  ", d=neg_date())
    d.ln("**Attendees:** " + ", ".join(p.first for p in ppl))
    d.ln("**Notes by:** {$e}", e=email_p(ppl[0].work_email))
    d.ln()
    d.ln("Join: https://meet.%s/j/{$m} | Dial-in {$p} | Meeting ID {$id}" % rng.choice(COMPANY),
         m=N("nine_digit_number_without_keyword", rs(DIGITS, 10), nokw="PHONE_NUMBER"), p=phone_p("US", True),
         id=N("phone_without_country_code_or_keyword", "%s %s %s" % (rs(DIGITS, 3), rs(DIGITS, 3), rs(DIGITS, 4)),
              nokw="PHONE_NUMBER"))
    d.ln()
    d.ln("## Updates")
    d.ln()
    d.ln("- Shipped {$v} to production; build {$b} had a flaky test, rebuilt as {$b2}.", v=neg_version(), b=neg_build(),
         b2=neg_build())
    d.ln("- p99 latency down from %d ms to %d ms after the cache change (commit {$h})." % (rng.randint(300, 900),
                                                                                          rng.randint(90, 299)), h=neg_hash("git"))
    d.ln("- Migration job {$u} processed %s rows, finished at {$t}." % "{:,}".format(rng.randint(10**5, 10**8)),
         u=neg_uuid(), t=neg_ts())
    d.ln("- Dependency bumps: openssl {$a}, node {$b}, postgres {$c}.", a=neg_version(), b=neg_version(), c=neg_version())
    d.ln("- Invoice {$a} from the CDN vendor is still disputed.", a=neg_tracking())
    d.ln()
    d.ln("## Action items")
    d.ln()
    for p in ppl[1:]:
        d.ln("- [ ] %s: %s by {$d}" % (p.first, ch("rotate the staging keys", "write the postmortem", "update the runbook",
                                                 "add alerting for queue depth", "remove the PAN masking bypass")), d=neg_date())
    d.ln()
    d.ln("Next meeting: {$d}. Ping %s ({$e}) with agenda items." % ppl[1].first, d=neg_date(), e=email_p(ppl[1].work_email))


INTL = {
    "FR": dict(title="Dossier salarié", dob="Date de naissance", phone="Téléphone", mob="Portable",
               id_kw=["Numéro de sécurité sociale", "N° de sécurité sociale (NIR)", "NIR", "numéro INSEE"],
               iban="IBAN", addr="12 rue de la République, 69002 Lyon"),
    "DE": dict(title="Personalakte", dob="Geburtsdatum", phone="Telefon", mob="Handy",
               id_kw=["Personalausweis-Nr.", "Ausweisnummer", "Personalausweisnummer", "ID card no."],
               iban="IBAN", addr="Hauptstraße 17, 10827 Berlin"),
    "IT": dict(title="Scheda dipendente", dob="Data di nascita", phone="Telefono", mob="Cellulare",
               id_kw=["Codice fiscale", "Codice Fiscale:", "C.F. (codice fiscale)", "codice fiscale"],
               iban="IBAN", addr="Via Roma 45, 20121 Milano"),
    "ES": dict(title="Ficha del empleado", dob="Fecha de nacimiento", phone="Teléfono", mob="Móvil",
               id_kw=["DNI", "DNI:", "DNI nº", "Documento Nacional de Identidad (DNI)"],
               iban="IBAN", addr="Calle Mayor 8, 28013 Madrid"),
    "BR": dict(title="Ficha cadastral", dob="Data de nascimento", phone="Telefone", mob="Celular",
               id_kw=["CPF", "CPF:", "CPF nº", "Número do CPF"], iban="IBAN", addr="Av. Paulista 1578, São Paulo - SP"),
}


def intl_letter(cc, i):
    cfg = INTL[cc]
    p = Person(cc)
    d = Doc("intl/%s-%s-%02d.txt" % (cc.lower(), ascii_fold(p.last).lower(), i), "prose")
    d.ln(cfg["title"] + " - " + p.name)
    d.ln("=" * 40)
    d.ln()
    d.ln("%s: {$b}" % cfg["dob"], b=dob_p(p, ch("eu", "iso", "eu", "dmy_long")))
    idk = rng.choice(cfg["id_kw"])
    if cc == "FR":
        idv = insee_p()
    elif cc == "DE":
        idv = P("GERMANY_NATIONAL_IDENTIFICATION_NUMBER", gen_de_id())
    elif cc == "IT":
        idv = cf_p(p)
    elif cc == "ES":
        idv = dni_p()
    else:
        idv = cpf_p()
    d.ln("%s %s{$v}" % (idk, "" if idk.endswith(":") else ": "), v=idv)
    d.ln("%s: {$t}" % cfg["phone"], t=phone_p(cc, False))
    d.ln("%s: {$t}" % cfg["mob"], t=phone_p(cc, True))
    d.ln("E-mail: {$e}", e=email_p(p.email))
    d.ln("%s: {$i}" % cfg["iban"], i=iban_p({"BR": "BR"}.get(cc, cc)))
    d.ln(cfg["addr"])
    d.ln()
    texts = {
        "FR": ("Le salarié a transmis sa carte Vitale ; le numéro de sécurité sociale ci-dessus a été vérifié le {$d}.",
               "Ancien numéro saisi par erreur : {$x} (clé invalide)."),
        "DE": ("Die Kopie des Personalausweises wurde am {$d} geprüft und im Personalordner abgelegt.",
               "Alte Ausweisnummer (Prüfziffer falsch, Tippfehler): {$x}."),
        "IT": ("Il dipendente ha consegnato la tessera sanitaria; il codice fiscale è stato verificato il {$d}.",
               "Codice fiscale errato nel vecchio modulo: {$x} (carattere di controllo non valido)."),
        "ES": ("El empleado presentó su DNI original; copia verificada el {$d}.",
               "DNI anterior con letra incorrecta: {$x}."),
        "BR": ("O colaborador apresentou o CPF e comprovante de residência em {$d}.",
               "CPF digitado incorretamente no cadastro antigo: {$x}."),
    }[cc]
    typ = {"FR": "FRANCE_NATIONAL_IDENTIFICATION_NUMBER", "DE": "GERMANY_NATIONAL_IDENTIFICATION_NUMBER",
           "IT": "ITALY_NATIONAL_IDENTIFICATION_NUMBER", "ES": "SPAIN_DNI_NUMBER", "BR": "BRAZIL_CPF_NUMBER"}[cc]
    d.ln(texts[0], d=neg_date(style=ch("eu", "iso")))
    d.ln(texts[1], x=neg_bad_checksum(typ))
    d.ln()
    extra = {
        "FR": "Contact RH : {$e}, tél. {$t}",
        "DE": "Ansprechpartner Personal: {$e}, Tel. {$t}",
        "IT": "Referente HR: {$e}, tel. {$t}",
        "ES": "Contacto RR. HH.: {$e}, tel. {$t}",
        "BR": "Contato RH: {$e}, fone {$t}",
    }[cc]
    hr = Person(cc)
    d.ln(extra, e=email_p(hr.work_email), t=phone_p(cc, rng.random() < 0.5))


def india_letter(i):
    p = Person("IN")
    d = Doc("intl/in-kyc-%s-%02d.txt" % (ascii_fold(p.last).lower(), i), "prose")
    d.ln("KYC Verification Form")
    d.ln("Applicant: %s" % p.name)
    d.ln("{$k} {$v}", k=ch("Aadhaar No.:", "Aadhaar Number:", "UIDAI Aadhaar:", "Aadhar no"), v=aadhaar_p())
    d.ln("Date of Birth: {$b}", b=dob_p(p, ch("eu", "dmy_long", "iso")))
    d.ln("Email: {$e}", e=email_p(p.email))
    d.ln("PAN card: %s%s%s" % (rs(UPPER, 5), rs(DIGITS, 4), rs(UPPER, 1)))
    d.ln()
    d.ln("The applicant's aadhaar card copy was self-attested on {$d}. A second aadhaar number {$x} provided"
         % (), d=neg_date(), x=neg_bad_checksum("INDIA_AADHAAR_NUMBER"))
    d.ln("earlier failed the Verhoeff check and was discarded.")
    d.ln("Reference id {$u}, branch code %s%04d." % (rs(UPPER, 4), rng.randint(0, 9999)), u=neg_uuid())
    d.ln("Mobile on record: {$m}", m=N("phone_unsupported_country", "+91 %s %s" % (rng.choice("6789") + rs(DIGITS, 4),
                                                                                     rs(DIGITS, 5))))


def gen_prose():
    gen_emails()
    for i in range(18):
        ticket(i)
    for i in range(15):
        hr_note(i)
    for i in range(6):
        minutes(i)
    for cc in INTL:
        for i in range(1, 4):
            intl_letter(cc, i)
    for i in range(1, 5):
        india_letter(i)


# ---------------------------------------------------------------------------
# CSV / TSV exports
# ---------------------------------------------------------------------------

def maybe(p, x):
    return x if rng.random() < p else ""


def ean13_neg():
    while True:
        d = ch("400", "401", "590", "300", "500", "760", "871") + rs(DIGITS, 9)
        s = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(d))
        v = d + str((10 - s % 10) % 10)
        if not valid_card(v):
            return N("product_barcode", v)


def csv_customers(i):
    header = ["customer_id", "first_name", "last_name", "email", "phone", "date_of_birth", "ssn", "address_line1",
              "city", "state", "postal_code", "signup_date", "lifetime_value", "marketing_opt_in", "notes"]
    rows = []
    for _ in range(rng.randint(30, 40)):
        p = Person("US")
        city = p.city
        note = ""
        r = rng.random()
        if r < 0.08:
            note = M("paid by phone, read out ", card_p(False), " - needs manual entry")
        elif r < 0.14:
            note = M("prefers text, alt ", phone_p("US", True))
        elif r < 0.2:
            note = "VIP; see ticket SUP-%d" % rng.randint(10000, 99999)
        rows.append([
            N("nine_digit_number_without_keyword", str(rng.randint(100000000, 999999999))),
            p.first, p.last, email_p(p.email),
            maybe(0.92, phone_p("US", rng.random() < 0.35, rng.choice(US_AREA[city[1]]))),
            maybe(0.9, dob_p(p, ch("iso", "iso", "us", "us"))),
            maybe(0.85, ssn_p(ch("dash", "dash", "dash", "bare"))),
            "%d %s" % (rng.randint(10, 9999), rng.choice(STREETS)), city[0], city[1], "%s%02d" % (city[2], rng.randint(0, 99)),
            neg_date(), "%.2f" % rng.uniform(0, 5000), ch("true", "false"), note])
    d = Doc("exports/crm/customers_us_%d.csv" % i, "csv")
    emit_csv(d, header, rows)


def csv_payments(i):
    header = ["transaction_id", "created_at", "customer_email", "cardholder_name", "card_number", "card_brand",
              "exp", "cvv", "amount", "currency", "status", "auth_code", "ip_address", "gateway_ref"]
    rows = []
    for _ in range(rng.randint(30, 40)):
        p = Person("US")
        r = rng.random()
        brand = ch("visa", "visa", "mastercard", "mc2", "amex", "discover", "jcb", "diners", "unionpay")
        if r < 0.12:
            card, status, ip = neg_test_card(), "sandbox", neg_private_ip()
        elif r < 0.2:
            card, status, ip = neg_bad_card(), "declined_invalid_number", ip_p()
        else:
            card, status, ip = card_p(True, brand, ch("plain", "plain", "space", "dash")), ch("captured", "authorized",
                                                                                          "refunded", "captured"), ip_p()
        rows.append([neg_uuid(), neg_ts("iso"), email_p(p.email), p.name.upper(), card,
                     {"mc2": "mastercard"}.get(brand, brand), exp_p(ch("mmyy", "mmyyyy")),
                     cvv_p(brand == "amex"), "%.2f" % rng.uniform(1, 900), ch("USD", "USD", "CAD", "EUR"), status,
                     N("order_invoice_tracking_number", rs(UPPER + DIGITS, 6)), ip,
                     N("order_invoice_tracking_number", "ch_" + rs(ALNUM, 24))])
    d = Doc("exports/billing/payments_%d.csv" % i, "csv")
    emit_csv(d, header, rows, quote_all=(i == 2))


def tsv_employees():
    header = ["emp_id", "full_name", "work_email", "dob", "ssn", "passport_no", "dl_number", "dl_state",
              "routing_number", "account_number", "hire_date", "salary", "department"]
    rows = []
    for _ in range(45):
        p = Person("US")
        st, dl = gen_dl()
        rows.append(["E%05d" % rng.randint(0, 99999), p.name, email_p(p.work_email), dob_p(p, ch("iso", "us")),
                     ssn_p(ch("dash", "dash", "bare")), maybe(0.5, P("USA_PASSPORT_NUMBER", gen_passport())),
                     maybe(0.8, P("DRIVERS_LICENSE", dl)), st, P("USA_ABA_ROUTING_NUMBER", gen_aba()),
                     P("BANK_ACCOUNT_NUMBER", gen_bank_acct()), neg_date(), str(rng.randint(45, 240) * 1000),
                     ch("Engineering", "Finance", "Sales", "Support", "Legal", "Operations")])
    d = Doc("exports/hr/employees_master.tsv", "csv")
    emit_csv(d, header, rows, delim="\t")


def csv_uk_staff():
    header = ["staff_no", "surname", "forename", "ni_number", "nhs_number", "date_of_birth", "mobile", "email",
              "iban", "start_date", "contracted_hours"]
    rows = []
    for _ in range(45):
        p = Person("UK")
        rows.append(["S%06d" % rng.randint(0, 999999), p.last, p.first, nino_p(), maybe(0.7, nhs_p()),
                     dob_p(p, ch("eu", "iso")), phone_p("UK", rng.random() < 0.5), email_p(p.email),
                     maybe(0.6, iban_p("GB")), neg_date(), ch("37.5", "40", "22.5", "16")])
    emit_csv(Doc("exports/hr/uk_staff_export.csv", "csv"), header, rows, crlf=True)


def csv_providers():
    header = ["npi", "dea_number", "provider_name", "specialty", "practice_phone", "fax", "city", "state",
              "taxonomy_code", "enumeration_date"]
    rows = []
    for _ in range(50):
        p = Person("US")
        c = rng.choice(US_CITIES)
        rows.append([P("USA_NATIONAL_PROVIDER_IDENTIFIER", gen_npi()),
                     maybe(0.85, P("US_DRUG_ENFORCEMENT_AGENCY_NUMBER", gen_dea(p.last))),
                     "%s, %s %s" % (p.last.upper(), p.first.upper(), ch("MD", "DO", "NP", "DDS", "PA-C")),
                     ch("Family Medicine", "Internal Medicine", "Pediatrics", "Dentistry", "Orthopaedic Surgery",
                        "Psychiatry"),
                     phone_p("US", False, rng.choice(US_AREA[c[1]])), maybe(0.6, phone_p("US", False, rng.choice(US_AREA[c[1]]))),
                     c[0], c[1], "%03d%s%05dX" % (rng.randint(100, 399), rs(UPPER, 1), rng.randint(0, 99999)), neg_date()])
    emit_csv(Doc("exports/health/provider_directory.csv", "csv"), header, rows)


def csv_fleet():
    header = ["unit", "vin", "make", "model", "model_year", "plate", "odometer_mi", "last_service", "gps_position",
              "assigned_driver_email"]
    rows = []
    for i in range(45):
        v, make = gen_vin()
        p = Person("US")
        rows.append(["TRK-%03d" % (i + 1), P("VEHICLE_IDENTIFICATION_NUMBER", v), make,
                     ch("F-150", "Transit 250", "Model 3", "Camry", "Sprinter", "Silverado", "Civic", "Ioniq 5"),
                     str(rng.randint(2014, 2024)), "%s%s%s" % (rs(DIGITS, 1), rs(UPPER, 3), rs(DIGITS, 3)),
                     N("numeric_table_value", str(rng.randint(1200, 240000))), neg_date(),
                     maybe(0.8, P("LATITUDE_LONGITUDE", latlong())), email_p(p.work_email)])
    emit_csv(Doc("exports/fleet/vehicles.csv", "csv"), header, rows)


def csv_sepa(i, countries):
    delim = ";" if i == 1 else ","
    header = ["payout_id", "beneficiary_name", "country", "iban", "bic", "amount_eur", "reference", "value_date"]
    rows = []
    for cc in countries:
        for _ in range(5):
            p = Person(ch("DE", "FR", "IT", "ES", "UK"))
            amt = "%.2f" % rng.uniform(10, 25000)
            if delim == ";":
                amt = amt.replace(".", ",")
            rows.append(["PO-%07d" % rng.randint(0, 9999999), p.name, cc, iban_p(cc),
                         "%s%s%s" % (rs(UPPER, 4), cc if cc != "XK" else "XK", rs(UPPER + DIGITS, 2)), amt,
                         neg_tracking(), neg_date(style="iso")])
    for _ in range(6):
        rows.append(["PO-%07d" % rng.randint(0, 9999999), Person("DE").name, "??", neg_bad_iban(), "", "0,00",
                     "REJECTED checksum", neg_date()])
    rng.shuffle(rows)
    emit_csv(Doc("exports/finance/sepa_payouts_%d.csv" % i, "csv"), header, rows, delim=delim)


def csv_intl_contacts():
    header = ["name", "country", "office_phone", "mobile", "email", "company"]
    rows = []
    for _ in range(50):
        cc = ch("UK", "DE", "FR", "IT", "ES", "BR", "UK", "DE", "FR", "IT", "ES", "BR", "US", "CA")
        p = Person(cc)
        rows.append([p.name, cc, phone_p(cc, rng.random() < 0.5), maybe(0.7, phone_p(cc, rng.random() < 0.5)),
                     email_p(p.email), ch("Helio Analytics", "Orbit Pay", "Kestrel", "Bluefin Retail", "Larkspur")])
    emit_csv(Doc("exports/crm/intl_contacts.csv", "csv"), header, rows)


def csv_kyc(cc):
    if cc == "IN":
        header, fname = ["application_id", "full_name", "aadhaar_number", "dob", "email", "city"], "exports/kyc/in_aadhaar_kyc.csv"
    elif cc == "BR":
        header, fname = ["id_cliente", "nome", "cpf", "data_nascimento", "celular", "email"], "exports/kyc/br_clientes.csv"
    elif cc == "CA":
        header, fname = ["employee_no", "name", "sin", "birth_date", "phone", "email"], "exports/hr/ca_employees.csv"
    elif cc == "ES":
        header, fname = ["id", "nombre", "apellidos", "dni", "telefono", "email", "fecha_alta"], "exports/kyc/es_clientes.csv"
    elif cc == "IT":
        header, fname = ["id", "nome", "cognome", "codice_fiscale", "cellulare", "email", "iban"], "exports/kyc/it_clienti.csv"
    elif cc == "FR":
        header, fname = ["matricule", "nom", "prenom", "numero_securite_sociale", "date_naissance", "telephone", "email"], "exports/hr/fr_salaries.csv"
    else:
        header, fname = ["personalnummer", "name", "ausweisnummer", "geburtsdatum", "telefon", "email", "iban"], "exports/hr/de_mitarbeiter.csv"
    rows = []
    pc = {"IN": "IN", "BR": "BR", "CA": "CA", "ES": "ES", "IT": "IT", "FR": "FR", "DE": "DE"}[cc]
    for _ in range(42):
        p = Person(pc)
        if cc == "IN":
            rows.append(["APP%07d" % rng.randint(0, 9999999), p.name, aadhaar_p(), dob_p(p, ch("eu", "iso")), email_p(p.email),
                         ch("Bengaluru", "Pune", "Chennai", "Hyderabad", "Delhi")])
        elif cc == "BR":
            rows.append([str(rng.randint(10000, 99999)), p.name, cpf_p(), dob_p(p, "eu"), phone_p("BR", rng.random() < 0.4),
                         email_p(p.email)])
        elif cc == "CA":
            rows.append(["%05d" % rng.randint(0, 99999), p.name, sin_p(), dob_p(p, "iso"), phone_p("CA", rng.random() < 0.5),
                         email_p(p.email)])
        elif cc == "ES":
            rows.append([str(rng.randint(1000, 9999)), p.first, p.last, dni_p(), phone_p("ES", rng.random() < 0.4),
                         email_p(p.email), neg_date()])
        elif cc == "IT":
            rows.append([str(rng.randint(1000, 9999)), p.first, p.last, cf_p(p), phone_p("IT", rng.random() < 0.4),
                         email_p(p.email), maybe(0.5, iban_p("IT"))])
        elif cc == "FR":
            rows.append(["M%05d" % rng.randint(0, 99999), p.last.upper(), p.first, insee_p(), dob_p(p, "eu"),
                         phone_p("FR", rng.random() < 0.4), email_p(p.email)])
        else:
            rows.append(["%06d" % rng.randint(0, 999999), p.name, P("GERMANY_NATIONAL_IDENTIFICATION_NUMBER", gen_de_id()),
                         dob_p(p, ch("eu", "iso")), phone_p("DE", rng.random() < 0.4), email_p(p.email), maybe(0.5, iban_p("DE"))])
    emit_csv(Doc(fname, "csv"), header, rows, delim=";" if cc in ("FR", "DE", "IT", "ES") and rng.random() < 0.5 else ",")


def csv_negative_tables():
    # sensor readings: 10-digit counters, floats, timestamps
    header = ["device_id", "ts_epoch_ms", "reading_kwh", "counter", "voltage", "temp_c", "status"]
    rows = []
    for _ in range(120):
        rows.append(["dev-%04d" % rng.randint(0, 9999), neg_ts("millis"), "%.3f" % rng.uniform(0, 99),
                     N("numeric_table_value", str(rng.randint(1000000000, 9999999999)), nokw="PHONE_NUMBER"),
                     "%.1f" % rng.uniform(220, 245), "%.1f" % rng.uniform(-5, 45), ch("OK", "OK", "OK", "WARN")])
    emit_csv(Doc("exports/iot/sensor_readings.csv", "csv"), header, rows)
    header = ["sku", "gtin", "description", "qty_on_hand", "unit_cost", "list_price", "warehouse", "last_counted"]
    rows = []
    for _ in range(110):
        rows.append(["SKU-%06d" % rng.randint(0, 999999), ean13_neg(), ch("Widget A", "Bracket 40mm", "Cable 2m",
                                                                         "Hinge set", "Gasket kit", "Filter pack"),
                     N("numeric_table_value", str(rng.randint(0, 40000))), neg_measure(), neg_measure(),
                     ch("RNO1", "ATL2", "DFW3"), neg_date()])
    emit_csv(Doc("exports/inventory/stock_levels.tsv", "csv"), header, rows, delim="\t")
    header = ["order_id", "line", "shipped_at", "carrier", "tracking_number", "qty", "weight_kg", "invoice"]
    rows = []
    for _ in range(100):
        rows.append([N("order_invoice_tracking_number", str(rng.randint(10**9, 10**10 - 1))), str(rng.randint(1, 9)),
                     neg_date(), ch("UPS", "FedEx", "USPS", "DHL"), neg_tracking(), str(rng.randint(1, 50)),
                     "%.2f" % rng.uniform(0.1, 40), neg_tracking()])
    emit_csv(Doc("exports/logistics/shipments.csv", "csv"), header, rows)
    header = ["date", "sessions", "pageviews", "revenue_usd", "conversion_rate", "avg_order_value", "build"]
    rows = []
    for _ in range(90):
        rows.append([neg_date(), str(rng.randint(1000, 90000)), N("numeric_table_value", str(rng.randint(1000000000, 4999999999)),
                                                                  nokw="PHONE_NUMBER"),
                     neg_measure(), "%.4f" % rng.uniform(0, 0.1), "%.2f" % rng.uniform(20, 200), neg_build()])
    emit_csv(Doc("exports/analytics/daily_kpis.csv", "csv"), header, rows)
    header = ["invoice_no", "account_ref", "issued", "due", "net", "vat", "gross", "batch_ref"]
    rows = []
    for _ in range(80):
        rows.append([neg_tracking(), N("luhn_valid_bad_issuer_prefix", luhn_valid_bad_prefix()), neg_date(), neg_date(),
                     neg_measure(), neg_measure(), neg_measure(), N("luhn_invalid_card_number", bad_luhn_card())])
    emit_csv(Doc("exports/finance/ar_invoices.csv", "csv"), header, rows)


def gen_exports():
    for i in range(1, 4):
        csv_customers(i)
    for i in range(1, 3):
        csv_payments(i)
    tsv_employees()
    csv_uk_staff()
    csv_providers()
    csv_fleet()
    cl = list(IBAN_TYPES)
    csv_sepa(1, cl[:26])
    csv_sepa(2, cl[26:])
    csv_intl_contacts()
    for cc in ("IN", "BR", "CA", "ES", "IT", "FR", "DE"):
        csv_kyc(cc)
    csv_negative_tables()


# ---------------------------------------------------------------------------
# JSON documents and JSONL
# ---------------------------------------------------------------------------

def od(*kv):
    return OrderedDict(kv)


def address(c=None):
    c = c or rng.choice(US_CITIES)
    return od(("line1", "%d %s" % (rng.randint(10, 9999), rng.choice(STREETS))), ("line2", maybe(0.3, "Apt %d" % rng.randint(1, 40)) or None),
              ("city", c[0]), ("state", c[1]), ("postal_code", "%s%02d" % (c[2], rng.randint(0, 99))), ("country", "US"))


def json_order(i):
    p = Person("US")
    brand = ch("visa", "visa", "mastercard", "mc2", "amex", "discover", "jcb")
    amex = brand == "amex"
    items = []
    for k in range(rng.randint(1, 4)):
        items.append(od(("sku", "SKU-%06d" % rng.randint(0, 999999)), ("name", ch("Trail Runner 2", "Rain Shell", "Camp Stove",
                                                                                "Headlamp", "Dry Bag 20L")),
                        ("quantity", rng.randint(1, 3)), ("unit_price", round(rng.uniform(5, 300), 2))))
    card_obj = od(("brand", {"mc2": "mastercard"}.get(brand, brand)),
                  ("number", card_p(True, brand, "plain")),
                  ("expiry", exp_p("mmyy")), ("cvc", cvv_p(amex)),
                  ("holder", p.name))
    if rng.random() < 0.3:
        card_obj["number"].num = True
        card_obj["number"].raw = card_obj["number"].value
    o = od(("id", "ord_" + rs(ALNUM, 16)), ("created_at", neg_ts("iso")), ("status", ch("paid", "pending", "fulfilled")),
           ("customer", od(("id", "cus_" + rs(ALNUM, 14)), ("name", p.name), ("email", email_p(p.email)),
                           ("phone", phone_p("US", True)), ("date_of_birth", dob_p(p, "iso") if rng.random() < 0.4 else None))),
           ("billing_address", address(p.city)),
           ("payment", od(("method", "card"), ("card", card_obj), ("amount", round(rng.uniform(10, 900), 2)), ("currency", "USD"))),
           ("items", items),
           ("shipping", od(("carrier", ch("UPS", "FedEx")), ("tracking_number", neg_tracking()), ("shipped_at", neg_date()))),
           ("client", od(("ip", ip_p()), ("user_agent", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15"))),
           ("metadata", od(("build", neg_build()), ("request_id", neg_uuid()))))
    if rng.random() < 0.3:
        o["notes"] = M("customer asked to split: remainder on ", card_p(False, None, "space"))
    d = Doc("data/api/orders/order-%04d.json" % (1000 + i), "json")
    emit_json(d, o, indent=2)
    d.t("\n")


def json_customer_profile(i):
    p = Person("US")
    st, dl = gen_dl()
    o = od(("object", "customer"), ("id", "cus_" + rs(ALNUM, 14)),
           ("profile", od(("first_name", p.first), ("last_name", p.last), ("email", email_p(p.email)),
                          ("birthdate", dob_p(p, ch("iso", "us"))), ("phones", [od(("type", "mobile"), ("number", phone_p("US", rng.random() < 0.5))),
                                                                                od(("type", "home"), ("number", phone_p("US", True)))]))),
           ("kyc", od(("status", "verified"), ("verified_at", neg_ts("iso")),
                      ("documents", [od(("type", "drivers_license"), ("number", P("DRIVERS_LICENSE", dl)), ("state", st),
                                        ("expires", neg_date())),
                                     od(("type", "passport"), ("number", P("USA_PASSPORT_NUMBER", gen_passport())), ("country", "US"))]),
                      ("ssn", ssn_p(ch("dash", "bare"))), ("tax", od(("itin", itin_p()) if rng.random() < 0.5 else ("tin_type", "ssn"))))),
           ("bank_accounts", [od(("routing_number", P("USA_ABA_ROUTING_NUMBER", gen_aba())),
                                 ("account_number", P("BANK_ACCOUNT_NUMBER", gen_bank_acct())), ("type", ch("checking", "savings")))]),
           ("last_login", od(("at", neg_ts("iso")), ("ip_address", ip_p()),
                             ("geo", od(("coordinates", P("LATITUDE_LONGITUDE", latlong((p.city[3], p.city[4])))))))),
           ("created", neg_ts("epoch")))
    d = Doc("data/api/customers/customer-%s.json" % rs(LOWER + DIGITS, 8), "json")
    emit_json(d, o, indent=ch(2, 4))
    d.t("\n")


def json_patient(i):
    uk = i % 2 == 0
    p = Person("UK" if uk else "US")
    ident = [od(("system", "https://fhir.nhs.uk/Id/nhs-number" if uk else "http://hl7.org/fhir/sid/us-ssn"),
                ("value", nhs_p() if uk else ssn_p("dash")))]
    ident.append(od(("system", "urn:oid:2.16.840.1.113883.4.%d" % rng.randint(1, 9)), ("value", neg_uuid())))
    gp = Person("US")
    o = od(("resourceType", "Patient"), ("id", neg_uuid()), ("meta", od(("versionId", "3"), ("lastUpdated", neg_ts("iso")))),
           ("identifier", ident), ("name", [od(("family", p.last), ("given", [p.first]))]),
           ("telecom", [od(("system", "phone"), ("value", phone_p("UK" if uk else "US", rng.random() < 0.5)), ("use", "mobile")),
                        od(("system", "email"), ("value", email_p(p.email)))]),
           ("gender", "female" if p.female else "male"), ("birthDate", dob_p(p, "iso")),
           ("address", [od(("line", ["%d %s" % (rng.randint(1, 300), rng.choice(STREETS))]), ("city", ch("Leeds", "Bristol", "Boston", "Denver")),
                           ("extension", [od(("url", "geolocation"), ("position", P("LATITUDE_LONGITUDE", latlong())))]))]),
           ("generalPractitioner", [od(("display", "Dr %s" % gp.name),
                                       ("identifier", od(("system", "http://hl7.org/fhir/sid/us-npi"), ("npi", P("USA_NATIONAL_PROVIDER_IDENTIFIER", gen_npi())))))]))
    d = Doc("data/fhir/patient-%s.json" % rs(LOWER + DIGITS, 6), "json")
    emit_json(d, o, indent=2)
    d.t("\n")


def service_account(project=None):
    project = project or "%s-%s-%d" % (ch("billing", "analytics", "ml", "data", "etl", "prod"),
                                       ch("pipeline", "platform", "svc", "warehouse"), rng.randint(100000, 999999))
    sa = ch("etl-runner", "bq-loader", "deployer", "gcs-sync", "vertex-batch", "terraform")
    return od(("type", "service_account"), ("project_id", project),
              ("private_key_id", P("GOOGLE_SERVICE_ACCOUNT_KEY", rs(HEX, 40))),
              ("private_key", P("PKCS", gen_pkcs("PKCS8") + "\n")),
              ("client_email", email_p("%s@%s.iam.gserviceaccount.com" % (sa, project))),
              ("client_id", str(rng.randint(10**20, 10**21 - 1))),
              ("auth_uri", "https://accounts.google.com/o/oauth2/auth"),
              ("token_uri", "https://oauth2.googleapis.com/token"),
              ("auth_provider_x509_cert_url", "https://www.googleapis.com/oauth2/v1/certs"),
              ("client_x509_cert_url", "https://www.googleapis.com/robot/v1/metadata/x509/%s%%40%s.iam.gserviceaccount.com" % (sa, project)),
              ("universe_domain", "googleapis.com"))


def fix_sa_pkcs(sa):
    """The label for an embedded PEM is BEGIN..END (without the trailing newline)."""
    pk = sa["private_key"]
    body = pk.raw.rstrip("\n")
    sa["private_key"] = M(P("PKCS", body), "\n")
    return sa


def json_service_accounts():
    for i in range(7):
        sa = fix_sa_pkcs(service_account())
        d = Doc("data/gcp/%s-%s.json" % (sa["project_id"], rs(HEX, 12)), "json")
        emit_json(d, sa, indent=2)
        d.t("\n")


def json_payout_batch(i):
    items = []
    for cc in rng.sample(list(IBAN_TYPES), 14):
        p = Person(ch("DE", "FR", "IT", "ES", "UK"))
        items.append(od(("id", "po_" + rs(ALNUM, 12)), ("beneficiary", od(("name", p.name), ("email", email_p(p.email)))),
                        ("destination", od(("type", "iban"), ("iban", iban_p(cc)), ("country", cc))),
                        ("amount", od(("value", round(rng.uniform(10, 9000), 2)), ("currency", "EUR"))),
                        ("scheduled_for", neg_date())))
    o = od(("batch_id", neg_uuid()), ("created_at", neg_ts("iso")), ("count", len(items)), ("payouts", items))
    d = Doc("data/api/payouts/batch-%02d.json" % i, "json")
    emit_json(d, o, indent=2)
    d.t("\n")


def jsonl_auth_events(i):
    recs = []
    for _ in range(rng.randint(90, 140)):
        p = Person("US")
        ev = ch("login.success", "login.failure", "mfa.challenge", "password.reset", "token.refresh", "logout")
        r = od(("ts", neg_ts("iso")), ("event", ev), ("user", od(("id", rng.randint(10000, 999999)), ("email", email_p(p.email)))),
               ("client_ip", ip_p() if rng.random() < 0.8 else neg_private_ip()), ("ua", ch("okhttp/4.12.0", "Mozilla/5.0", "curl/8.4.0")),
               ("request_id", neg_uuid()))
        if ev == "token.refresh" and rng.random() < 0.5:
            r["refresh_token"] = P("JSON_WEB_TOKEN", gen_jwt())
        if ev == "password.reset" and rng.random() < 0.5:
            r["phone"] = phone_p("US", True)
        recs.append(r)
    emit_jsonl(Doc("data/events/auth-events-%d.jsonl" % i, "jsonl"), recs)


def jsonl_fleet():
    recs = []
    units = [gen_vin() for _ in range(8)]
    for _ in range(150):
        v, make = rng.choice(units)
        r = od(("ts", neg_ts("epoch")), ("vin", P("VEHICLE_IDENTIFICATION_NUMBER", v)), ("speed_kph", round(rng.uniform(0, 120), 1)),
               ("position", P("LATITUDE_LONGITUDE", latlong())), ("fuel_pct", rng.randint(3, 100)),
               ("odometer", N("numeric_table_value", str(rng.randint(1000, 400000)), num=True)), ("fw", neg_version()))
        recs.append(r)
    emit_jsonl(Doc("data/telemetry/fleet-gps.jsonl", "jsonl"), recs)


def jsonl_crm():
    recs = []
    for _ in range(80):
        cc = ch("US", "UK", "DE", "FR", "IT", "ES", "BR", "CA")
        p = Person(cc)
        r = od(("contact_id", rng.randint(10**8, 10**9 - 1)), ("name", p.name), ("email", email_p(p.email)),
               ("phone", phone_p(cc, True)), ("country", cc), ("owner", "%s@%s" % ("sales", "x")), ("updated_at", neg_ts("iso")))
        del r["owner"]
        if rng.random() < 0.3:
            r["birthday"] = dob_p(p, ch("iso", "long"))
        recs.append(r)
    emit_jsonl(Doc("data/crm/contacts-export.jsonl", "jsonl"), recs)


def jsonl_sepa():
    recs = []
    for cc in list(IBAN_TYPES) * 2:
        p = Person(ch("DE", "FR", "IT", "ES", "UK"))
        recs.append(od(("id", "tr_" + rs(ALNUM, 10)), ("debtor_iban", iban_p(cc, False)), ("debtor_name", p.name),
                       ("amount", round(rng.uniform(1, 5000), 2)), ("end_to_end_id", neg_tracking()), ("booked", neg_date())))
    for _ in range(10):
        recs.append(od(("id", "tr_" + rs(ALNUM, 10)), ("debtor_iban", neg_bad_iban()), ("debtor_name", Person("DE").name),
                       ("amount", 0), ("error", "IBAN_CHECKSUM_INVALID")))
    rng.shuffle(recs)
    emit_jsonl(Doc("data/payments/sepa-direct-debits.jsonl", "jsonl"), recs)


def jsonl_webhooks():
    recs = []
    for _ in range(60):
        p = Person("US")
        typ = ch("charge.succeeded", "charge.failed", "customer.updated", "payment_method.attached")
        pm = od(("id", "pm_" + rs(ALNUM, 24)), ("card", od(("brand", ch("visa", "mastercard", "amex")),
                                                         ("last4", N("masked_card_number", rs(DIGITS, 4))),
                                                         ("exp_month", rng.randint(1, 12)), ("exp_year", rng.randint(2025, 2031)),
                                                         ("fingerprint", rs(ALNUM, 16)))))
        recs.append(od(("id", "evt_" + rs(ALNUM, 24)), ("type", typ), ("created", N("timestamp", epoch(), num=True)),
                       ("data", od(("object", od(("customer", "cus_" + rs(ALNUM, 14)), ("billing_details", od(("email", email_p(p.email)), ("name", p.name))),
                                                 ("payment_method_details", pm), ("amount", rng.randint(100, 99999)))))),
                       ("livemode", True)))
    emit_jsonl(Doc("data/webhooks/payment-events.jsonl", "jsonl"), recs)


def gen_json():
    for i in range(8):
        json_order(i)
    for i in range(6):
        json_customer_profile(i)
    for i in range(6):
        json_patient(i)
    json_service_accounts()
    for i in range(1, 3):
        json_payout_batch(i)
    for i in range(1, 3):
        jsonl_auth_events(i)
    jsonl_fleet()
    jsonl_crm()
    jsonl_sepa()
    jsonl_webhooks()


# ---------------------------------------------------------------------------
# Logs
# ---------------------------------------------------------------------------

UAS = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
       "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
       "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", "curl/8.4.0", "python-requests/2.31.0",
       "Go-http-client/1.1", "okhttp/4.12.0", "Googlebot/2.1 (+http://www.google.com/bot.html)",
       "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15"]
PATHS = ["/", "/index.html", "/api/v2/orders", "/api/v2/orders/%d", "/static/js/app.%s.js", "/static/css/main.%s.css",
         "/login", "/logout", "/account/settings", "/products/%d", "/search?q=%s", "/health", "/favicon.ico",
         "/api/v1/cart/items", "/checkout/confirm", "/robots.txt", "/wp-login.php", "/images/banner-%d.webp"]


def access_path():
    p = rng.choice(PATHS)
    if "%d" in p:
        p = p % rng.randint(1, 99999)
    elif "%s" in p:
        p = p % (rs(HEX, 8) if "static" in p else ch("tent", "boots", "rain+jacket", "stove"))
    return p


def log_access(i):
    d = Doc("logs/nginx/access-%d.log" % i, "log")
    t = rand_ts()
    pool = [public_ipv4() for _ in range(25)]
    for _ in range(rng.randint(170, 230)):
        t += datetime.timedelta(seconds=rng.randint(0, 40))
        ip = neg_access_ip(rng.choice(pool) if rng.random() < 0.7 else None)
        method = ch("GET", "GET", "GET", "POST", "GET", "PUT", "HEAD")
        path = access_path()
        extra = None
        r = rng.random()
        if r < 0.025:
            path = "/maps/embed"
            extra = ("key", P("GCP_API_KEY", gen_gcp_key()))
        elif r < 0.05:
            path = "/newsletter/unsubscribe"
            extra = ("email", email_p(Person("US").email))
        elif r < 0.065:
            path = "/oauth/callback"
            extra = ("access_token", P("JSON_WEB_TOKEN", gen_jwt()))
        d.put(ip)
        d.t(" - - [%s +0000] \"%s %s" % (t.strftime("%d/%b/%Y:%H:%M:%S"), method, path))
        if extra:
            d.t("?%s=" % extra[0])
            d.put(extra[1])
            if extra[0] == "email":
                d.t("&src=footer")
        d.t(" HTTP/1.1\" %d %d \"%s\" \"%s\"\n" % (ch(200, 200, 200, 304, 404, 301, 500, 201), rng.randint(0, 90000),
                                                    ch("-", "-", "https://www.bluefin-retail.com/", "https://www.google.com/"),
                                                    rng.choice(UAS)))


def log_app_payments(i):
    d = Doc("logs/app/payments-svc-%d.log" % i, "log")
    t = rand_ts()
    for _ in range(rng.randint(140, 190)):
        t += datetime.timedelta(milliseconds=rng.randint(5, 30000))
        ts = t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % rng.randint(0, 999)
        rid = rs(HEX, 16)
        r = rng.random()
        d.t("ts=")
        d.put(N("timestamp", ts))
        if r < 0.07:
            d.ln(' level=debug svc=payments msg="raw card payload" req={$r} {$k}={$c} {$ek}={$e} {$vk}={$v}', r=rid,
                 k=ch("card_number", "pan", "cc", "cardNumber"), c=card_p(True, None, "plain"), ek=ch("exp", "expiry", "exp_date"),
                 e=exp_p("mmyy"), vk=ch("cvv", "cvc", "cvv2"), v=cvv_p())
        elif r < 0.11:
            p = card_p(False, None, "plain")
            d.ln(' level=warn svc=payments msg="unmasked value in field" req={$r} field=memo value={$c}', r=rid, c=p)
        elif r < 0.15:
            pan = gen_card(ch("visa", "mastercard", "discover"))
            p = Person("US")
            d.ln(' level=debug svc=pos-bridge req={$r} msg="{$kw}" {$tk}={$t}', kw=ch("swipe received", "magstripe read", "card swipe"),
                 r=rid, tk=ch("track", "track1", "track2", "data", "raw"), t=track_p(pan, p.last, p.first))
        elif r < 0.19:
            d.ln(' level=info svc=payments msg="sandbox charge" req={$r} card={$c} status=approved', r=rid, c=neg_test_card())
        elif r < 0.23:
            d.ln(' level=error svc=payments msg="luhn check failed" req={$r} card={$c}', r=rid, c=neg_bad_card())
        elif r < 0.3:
            d.ln(' level=info svc=payments msg="charge captured" req={$r} amount=%d currency=USD customer={$e} client_ip={$ip}'
                 % rng.randint(100, 99999), r=rid, e=email_p(Person("US").email), ip=ip_p())
        elif r < 0.34:
            d.ln(' level=info svc=payments msg="health check" upstream_ip={$ip} latency_ms=%d' % rng.randint(1, 90), ip=neg_private_ip())
        else:
            d.ln(' level=info svc=payments msg="%s" req={$r} order={$o} duration_ms=%d build={$b}' % (
                ch("authorize ok", "capture ok", "webhook delivered", "refund queued", "idempotent replay"),
                rng.randint(2, 900)), r=rid, o=neg_tracking(), b=neg_build())


def log_app_auth(i):
    d = Doc("logs/app/auth-api-%d.log" % i, "log")
    t = rand_ts()
    for _ in range(rng.randint(140, 190)):
        t += datetime.timedelta(milliseconds=rng.randint(5, 30000))
        lvl = ch("INFO", "INFO", "INFO", "WARN", "DEBUG", "ERROR")
        head = "%s %-5s [%s] " % (t.strftime("%Y-%m-%d %H:%M:%S,") + "%03d" % rng.randint(0, 999), lvl,
                                  ch("http-nio-8080-exec-%d" % rng.randint(1, 20), "main", "scheduler-1"))
        d.t(head)
        r = rng.random()
        p = Person("US")
        if r < 0.12:
            d.ln("c.a.auth.LoginController - login ok user={$e} ip={$ip}", e=email_p(p.email), ip=ip_p())
        elif r < 0.18:
            d.ln("c.a.auth.LoginController - login failed user={$e} remote_addr={$ip} reason=bad_password", e=email_p(p.email), ip=ip_p())
        elif r < 0.23:
            d.ln("c.a.auth.TokenService - issued token {$j} ttl=3600", j=P("JSON_WEB_TOKEN", gen_jwt()))
        elif r < 0.27:
            d.ln("c.a.http.RequestLogger - inbound headers: Authorization: Basic {$b}", b=P("HTTP_BASIC_AUTH_HEADER",
                                                                                               gen_basic(ch("svc-reporting", "admin", "jenkins", p.first.lower()),
                                                                                                         rs(ALNUM + "!@#", rng.randint(10, 20)))))
        elif r < 0.31:
            d.ln("c.a.sms.OtpSender - OTP sent to {$k} {$p}", k=ch("phone", "mobile number", "phone number"), p=phone_p("US", rng.random() < 0.6))
        elif r < 0.34:
            d.ln("c.a.kyc.Verifier - verification mismatch ssn={$s} dob={$b}", s=ssn_p(), b=dob_p(p, "iso"))
        elif r < 0.37:
            d.ln("c.a.kyc.Verifier - rejected malformed ssn={$s}", s=neg_bad_ssn())
        elif r < 0.41:
            d.ln("c.a.health.Probe - db ip={$ip} pool=%d/%d" % (rng.randint(1, 20), 20), ip=neg_private_ip())
        else:
            d.ln("c.a.%s - %s trace_id={$u} took %dms" % (ch("cache.RedisClient", "http.RequestLogger", "jobs.Cleanup"),
                                                        ch("GET /api/session", "cache miss", "evicted 120 keys", "POST /api/token"),
                                                        rng.randint(1, 500)), u=neg_uuid())


def log_json_app(i):
    d = Doc("logs/json/checkout-%d.log" % i, "log")
    t = rand_ts()
    for _ in range(rng.randint(110, 150)):
        t += datetime.timedelta(milliseconds=rng.randint(5, 30000))
        p = Person("US")
        r = rng.random()
        ts = N("timestamp", t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % rng.randint(0, 999))
        if r < 0.15:
            d.ln('{"@timestamp":"{$t}","level":"INFO","logger":"checkout","message":"order placed","customer_email":"{$e}","x_forwarded_for":"{$ip}","order_id":"{$o}"}',
                 t=ts, e=email_p(p.email), ip=ip_p(), o=neg_tracking())
        elif r < 0.22:
            d.ln('{"@timestamp":"{$t}","level":"DEBUG","logger":"checkout.address","message":"geocoded","location":"{$g}","zip":"%s%02d"}'
                 % (p.city[2], rng.randint(0, 99)), t=ts, g=P("LATITUDE_LONGITUDE", latlong((p.city[3], p.city[4]))))
        elif r < 0.28:
            d.ln('{"@timestamp":"{$t}","level":"WARN","logger":"checkout.payment","message":"declined","card":"{$c}","exp":"{$e}"}',
                 t=ts, c=card_p(True), e=exp_p())
        elif r < 0.33:
            d.ln('{"@timestamp":"{$t}","level":"INFO","logger":"checkout.contact","message":"sms opt-in","phone":"{$p}"}',
                 t=ts, p=phone_p("US", rng.random() < 0.5))
        elif r < 0.38:
            d.ln('{"@timestamp":"{$t}","level":"INFO","logger":"checkout.http","message":"upstream","peer_ip":"{$ip}","ms":%d}'
                 % rng.randint(1, 99), t=ts, ip=neg_private_ip())
        else:
            d.ln('{"@timestamp":"{$t}","level":"INFO","logger":"checkout","message":"%s","trace":"{$h}","version":"{$v}","duration_ms":%d}'
                 % (ch("cart updated", "render ok", "promo applied", "tax computed", "inventory reserved"), rng.randint(1, 400)),
                 t=ts, h=neg_hash("md5"), v=neg_version())


def log_http_dump(i):
    d = Doc("logs/debug/http-trace-%d.log" % i, "log")
    for _ in range(rng.randint(14, 20)):
        t = rand_ts()
        d.ln("=== %s request %s ===" % (iso_ts(t), rs(HEX, 12)))
        d.ln("%s %s HTTP/1.1" % (ch("GET", "POST", "PUT"), ch("/api/v2/reports", "/v1/charges", "/internal/sync", "/graphql")))
        d.ln("Host: %s" % ch("api.orbitpay.com", "internal.kestrel-analytics.com", "reports.acmecloud.dev"))
        r = rng.random()
        if r < 0.35:
            d.ln("Authorization: Basic {$b}", b=P("HTTP_BASIC_AUTH_HEADER", gen_basic(ch("api", "reporter", "sync-bot", "admin"),
                                                                                    rs(ALNUM, rng.randint(12, 24)))))
        elif r < 0.8:
            d.ln("Authorization: Bearer {$j}", j=P("JSON_WEB_TOKEN", gen_jwt()))
        else:
            d.ln("Authorization: Bearer {$p}", p=neg_placeholder("<your-token-here>"))
        d.ln("X-Forwarded-For: {$ip}", ip=ip_p())
        d.ln("X-Request-Id: {$u}", u=neg_uuid())
        d.ln("User-Agent: %s" % rng.choice(UAS))
        d.ln("Accept: application/json")
        d.ln()
        d.ln("--- response %d (%d ms) ---" % (ch(200, 200, 201, 401, 403, 500), rng.randint(3, 900)))
        d.ln("ETag: \"{$h}\"", h=neg_hash("sha1"))
        d.ln()


def log_syslog():
    d = Doc("logs/system/auth.log", "log")
    t = rand_ts()
    for _ in range(160):
        t += datetime.timedelta(seconds=rng.randint(1, 900))
        host = ch("bastion-1", "web-3", "db-2")
        d.t("%s %s sshd[%d]: " % (t.strftime("%b %d %H:%M:%S"), host, rng.randint(1000, 65000)))
        r = rng.random()
        if r < 0.5:
            d.ln("Failed password for invalid user %s from {$ip} port %d ssh2" % (ch("admin", "oracle", "test", "ubuntu"),
                                                                                 rng.randint(1024, 65535)), ip=neg_access_ip())
        elif r < 0.8:
            d.ln("Accepted publickey for deploy from {$ip} port %d ssh2: ED25519 SHA256:%s" % (rng.randint(1024, 65535),
                                                                                              rs(B64[:-2], 43)), ip=neg_access_ip())
        else:
            d.ln("Connection closed by {$ip} port %d [preauth]" % rng.randint(1024, 65535), ip=neg_access_ip())


def log_ci(i):
    d = Doc("logs/ci/build-%d.log" % (4100 + i), "log")
    d.ln("Running on runner-%s (%s)" % (rs(LOWER + DIGITS, 8), ch("ubuntu-22.04", "ubuntu-24.04")))
    d.ln("Checking out {$h}", h=neg_hash("git"))
    d.ln("$ node --version")
    d.ln("v{$v}", v=N("version_string", "%d.%d.%d" % (rng.randint(16, 22), rng.randint(0, 20), rng.randint(0, 9))))
    d.ln("$ env | sort")
    d.ln("CI=true")
    d.ln("CI_PIPELINE_ID={$b}", b=neg_build())
    r = i % 3
    if r == 0:
        d.ln("GITHUB_TOKEN={$t}", t=P("GITHUB_TOKEN", gen_github("ghs")))
        d.ln("NPM_TOKEN={$p}", p=neg_placeholder("<your-token-here>"))
    elif r == 1:
        d.ln("GITLAB_TOKEN={$t}", t=P("GITLAB_TOKEN", gen_gitlab()))
        d.ln("HF_TOKEN={$t}", t=P("HUGGINGFACE_TOKEN", gen_hf()))
    else:
        d.ln("ANTHROPIC_API_KEY={$t}", t=P("ANTHROPIC_API_KEY", gen_anthropic()))
        d.ln("OPENAI_API_KEY={$t}", t=P("OPENAI_API_KEY", gen_openai()))
    d.ln("HOME=/home/runner")
    d.ln("$ npm ci")
    d.ln("added %d packages in %ds" % (rng.randint(300, 1500), rng.randint(5, 90)))
    for _ in range(rng.randint(25, 45)):
        d.ln("  %s@{$v} integrity sha512-%s" % (ch("react", "lodash", "webpack", "esbuild", "typescript", "zod", "axios"),
                                               rs(B64, 40)), v=neg_version())
    d.ln("$ npm test")
    d.ln("PASS src/luhn.test.ts (sample {$c})", c=neg_test_card())
    d.ln("Tests: %d passed, %d total" % (rng.randint(50, 400), rng.randint(400, 500)))
    d.ln("Uploading artifact sha256:{$h}", h=neg_hash("sha256"))
    d.ln("Job succeeded at {$t}", t=neg_ts("iso"))


def gen_logs():
    for i in range(1, 5):
        log_access(i)
    for i in range(1, 4):
        log_app_payments(i)
    for i in range(1, 4):
        log_app_auth(i)
    for i in range(1, 4):
        log_json_app(i)
    for i in range(1, 4):
        log_http_dump(i)
    log_syslog()
    for i in range(1, 7):
        log_ci(i)


# ---------------------------------------------------------------------------
# Config files, source code, key files
# ---------------------------------------------------------------------------

def indent_block(text, n):
    return ("\n" + " " * n).join(text.split("\n"))


def secret_hex(n=64):
    return rs(HEX, n)


def cfg_env(i):
    d = Doc("config/env/%s.env" % ("production", "staging", "worker", "api", "billing", "ml", "prod-eu", "backend")[i % 8] if i < 8 else
            "config/env/service-%d.env" % i, "config")
    d.ln("# %s environment - managed by ops, do not commit" % ch("production", "staging", "worker"))
    d.ln("NODE_ENV=production")
    d.ln("PORT=%d" % ch(3000, 8080, 8000, 5000))
    d.ln("APP_VERSION={$v}", v=neg_version())
    d.ln("DATABASE_URL=postgres://app:{$p}@postgres:5432/app", p=P("URL_CREDENTIALS", rs(ALNUM, 18)))
    d.ln("REDIS_URL=redis://redis:6379/0")
    opts = ["aws", "stripe", "openai", "slack", "gmaps", "hf", "github", "gitlab", "anthropic", "smtp", "placeholder", "pgp"]
    chosen = rng.sample(opts, 5)
    if i % 2 == 0 and "aws" not in chosen:
        chosen[0] = "aws"
    for c in chosen:
        if c == "aws":
            k, s = aws_pair()
            d.ln("AWS_ACCESS_KEY_ID={$k}", k=k)
            d.ln("{$kw}={$s}", kw=ch("AWS_SECRET_ACCESS_KEY", "aws_secret_access_key"), s=s)
            d.ln("AWS_DEFAULT_REGION=%s" % ch("us-east-1", "eu-central-1", "us-west-2"))
        elif c == "stripe":
            d.ln("STRIPE_SECRET_KEY={$s}", s=P("STRIPE_CREDENTIALS", gen_stripe()))
            d.ln("STRIPE_PUBLISHABLE_KEY={$p}", p=N("publishable_key_not_secret", "pk_live_" + rs(ALNUM, 99)))
        elif c == "openai":
            d.ln("OPENAI_API_KEY={$s}", s=P("OPENAI_API_KEY", gen_openai()))
        elif c == "slack":
            d.ln("SLACK_BOT_TOKEN={$s}", s=P("SLACK_TOKEN", gen_slack()))
            d.ln("SLACK_CHANNEL=#alerts-%s" % ch("prod", "billing", "ops"))
        elif c == "gmaps":
            d.ln("GOOGLE_MAPS_API_KEY={$s}", s=P("GCP_API_KEY", gen_gcp_key()))
        elif c == "hf":
            d.ln("HUGGING_FACE_HUB_TOKEN={$s}", s=P("HUGGINGFACE_TOKEN", gen_hf()))
        elif c == "github":
            d.ln("GH_TOKEN={$s}", s=P("GITHUB_TOKEN", gen_github(ch("ghp", "github_pat", "gho"))))
        elif c == "gitlab":
            d.ln("GITLAB_API_TOKEN={$s}", s=P("GITLAB_TOKEN", gen_gitlab()))
        elif c == "anthropic":
            d.ln("ANTHROPIC_API_KEY={$s}", s=P("ANTHROPIC_API_KEY", gen_anthropic()))
        elif c == "smtp":
            d.ln("SMTP_HOST=smtp.%s" % rng.choice(COMPANY))
            d.ln("SMTP_USER={$e}", e=email_p("noreply@" + rng.choice(COMPANY)))
            d.ln("SMTP_PASSWORD=%s" % rs(ALNUM, 16))
        elif c == "pgp":
            d.ln("# release signing key (base64-less armored, newline escaped)")
            d.ln('GPG_PRIVATE_KEY="{$k}"', k=P("PGP_PRIVATE_KEY", gen_pgp("Release Bot <release@%s>" % rng.choice(COMPANY)).replace("\n", "\\n")))
        else:
            d.ln("SENDGRID_API_KEY={$p}", p=neg_placeholder())
    d.ln("JWT_SIGNING_SECRET={$h}", h=neg_hash("sha256"))
    d.ln("FEATURE_FLAGS=checkout_v2,new_search")
    d.ln("SENTRY_RELEASE={$b}", b=neg_build())


def cfg_env_example(i):
    d = Doc("config/env/.env.example" if i == 0 else "config/env/sample-%d.env" % i, "config")
    d.ln("# Copy to .env and fill in real values")
    d.ln("AWS_ACCESS_KEY_ID={$p}", p=neg_placeholder("AKIAXXXXXXXXXXXXXXXX"))
    d.ln("AWS_SECRET_ACCESS_KEY={$p}", p=neg_placeholder(ch("YOUR_SECRET_ACCESS_KEY", "<insert-secret>", "changeme")))
    d.ln("# e.g. the AWS docs sample: {$a} / {$b}", a=neg_aws_doc(0), b=neg_aws_doc(1))
    d.ln("STRIPE_SECRET_KEY={$p}", p=neg_placeholder("sk_live_xxxxxxxxxxxxxxxxxxxxxxxx"))
    d.ln("STRIPE_TEST_KEY={$p}", p=neg_placeholder("sk_test_4eC39HqLyjWDarjtT1zdp7dc"))
    d.ln("GITHUB_TOKEN={$p}", p=neg_placeholder("ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"))
    d.ln("GITLAB_TOKEN={$p}", p=neg_placeholder("glpat-xxxxxxxxxxxxxxxxxxxx"))
    d.ln("OPENAI_API_KEY={$p}", p=neg_placeholder("sk-proj-REPLACE_ME"))
    d.ln("HF_TOKEN={$p}", p=neg_placeholder("hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"))
    d.ln("SLACK_BOT_TOKEN={$p}", p=neg_placeholder("xoxb-your-bot-token"))
    d.ln("GOOGLE_API_KEY={$p}", p=neg_placeholder("<YOUR_API_KEY>"))
    d.ln("ANTHROPIC_API_KEY={$p}", p=neg_placeholder("sk-ant-api03-xxxxxxxx"))
    d.ln("CACHE_TTL=3600")


def cfg_yaml_k8s(i):
    d = Doc("config/k8s/%s-secret.yaml" % ("payments", "api", "worker", "gateway")[i % 4], "config")
    d.ln("apiVersion: v1")
    d.ln("kind: Secret")
    d.ln("metadata:")
    d.ln("  name: %s-credentials" % ch("payments", "api", "worker"))
    d.ln("  namespace: %s" % ch("prod", "default", "billing"))
    d.ln("  annotations:")
    d.ln('    deployed-by: "argocd"')
    d.ln("    revision: \"{$h}\"", h=neg_hash("git"))
    d.ln("type: Opaque")
    d.ln("stringData:")
    k, s = aws_pair()
    d.ln("  AWS_ACCESS_KEY_ID: {$k}", k=k)
    d.ln("  AWS_SECRET_ACCESS_KEY: {$s}", s=s)
    d.ln('  STRIPE_API_KEY: "{$s}"', s=P("STRIPE_CREDENTIALS", gen_stripe()))
    d.ln("  DB_PASSWORD: %s" % rs(ALNUM, 20))
    d.ln("  tls.key: |")
    d.ln("    {$k}", k=P("PKCS", indent_block(gen_pkcs(ch("RSA", "EC", "PKCS8")), 4)))
    if i % 2:
        d.ln("  GOOGLE_APPLICATION_CREDENTIALS_JSON: |")
        sa = fix_sa_pkcs(service_account())
        d.t("    ")
        emit_json(d, sa, indent=2, prefix="    ")
        d.t("\n")
    d.ln("  API_BASE_URL: https://api.%s/v2" % rng.choice(COMPANY))


def cfg_yaml_app(i):
    d = Doc("config/app/application-%s.yaml" % ("prod", "staging", "eu", "us")[i % 4], "config")
    d.ln("server:")
    d.ln("  port: %d" % ch(8080, 8443))
    d.ln("spring:")
    d.ln("  datasource:")
    d.ln("    url: jdbc:postgresql://db.internal:5432/%s" % ch("orders", "billing", "crm"))
    d.ln("    username: app")
    d.ln("    password: %s" % rs(ALNUM, 16))
    d.ln("  mail:")
    d.ln("    host: smtp.%s" % rng.choice(COMPANY))
    d.ln("    username: {$e}", e=email_p("alerts@" + rng.choice(COMPANY)))
    d.ln("app:")
    d.ln("  version: {$v}", v=neg_version())
    d.ln("  support:")
    d.ln("    email: {$e}", e=email_p("support@" + rng.choice(COMPANY)))
    d.ln("    phone: \"{$p}\"", p=phone_p("US", rng.random() < 0.5))
    d.ln("  integrations:")
    if i % 2 == 0:
        d.ln("    slack:")
        d.ln("      token: {$t}", t=P("SLACK_TOKEN", gen_slack()))
    d.ln("    maps:")
    d.ln("      api-key: {$k}", k=P("GCP_API_KEY", gen_gcp_key()))
    d.ln("      default-center: \"{$g}\"  # office coordinates", g=P("LATITUDE_LONGITUDE", latlong()))
    d.ln("    anthropic:")
    d.ln("      api-key: ${ANTHROPIC_API_KEY}")
    d.ln("    huggingface:")
    d.ln("      token: {$t}", t=P("HUGGINGFACE_TOKEN", gen_hf()) if i % 2 else neg_placeholder("<your-token-here>"))
    d.ln("  network:")
    d.ln("    allowed-ip: {$ip}", ip=neg_private_ip())
    d.ln("    egress-ip: {$ip}", ip=ip_p())
    d.ln("  cache:")
    d.ln("    ttl-seconds: 3600")


def cfg_yaml_ci(i):
    d = Doc("config/ci/%s.yml" % ("deploy", "release", "nightly", "publish")[i % 4], "config")
    d.ln("name: %s" % ch("Deploy", "Release", "Nightly build"))
    d.ln("on:")
    d.ln("  push:")
    d.ln("    branches: [main]")
    d.ln("env:")
    d.ln("  NODE_VERSION: \"{$v}\"", v=N("version_string", "%d.%d.%d" % (rng.randint(16, 22), rng.randint(0, 20), rng.randint(0, 9))))
    d.ln("  REGISTRY_TOKEN: ${{ secrets.REGISTRY_TOKEN }}")
    d.ln("  # TODO move to secrets")
    r = i % 4
    if r == 0:
        d.ln("  GITHUB_PAT: {$t}", t=P("GITHUB_TOKEN", gen_github("github_pat")))
    elif r == 1:
        d.ln("  GL_TOKEN: {$t}", t=P("GITLAB_TOKEN", gen_gitlab()))
    elif r == 2:
        d.ln("  SLACK_WEBHOOK_TOKEN: {$t}", t=P("SLACK_TOKEN", gen_slack()))
    else:
        d.ln("  OPENAI_API_KEY: {$t}", t=P("OPENAI_API_KEY", gen_openai()))
    d.ln("jobs:")
    d.ln("  build:")
    d.ln("    runs-on: ubuntu-latest")
    d.ln("    steps:")
    d.ln("      - uses: actions/checkout@v4")
    d.ln("      - uses: actions/setup-node@v4")
    d.ln("      - name: Import signing key")
    d.ln("        env:")
    d.ln("          SIGNING_KEY: |")
    if i % 2 == 0:
        d.ln("            {$k}", k=P("PGP_PRIVATE_KEY", indent_block(gen_pgp("CI Signer <ci@%s>" % rng.choice(COMPANY)), 12)))
    else:
        d.ln("            {$k}", k=P("OPENSSH_PRIVATE_KEY", indent_block(gen_openssh("deploy@ci"), 12)))
    d.ln("        run: echo \"$SIGNING_KEY\" | gpg --batch --import")
    d.ln("      - run: npm ci && npm run build")
    d.ln("      - run: ./scripts/deploy.sh --build {$b}", b=neg_build())


def cfg_compose():
    d = Doc("config/docker/docker-compose.yml", "config")
    d.ln("version: \"3.9\"")
    d.ln("services:")
    d.ln("  api:")
    d.ln("    image: ghcr.io/northwind/api:{$v}", v=neg_version())
    d.ln("    environment:")
    k, s = aws_pair()
    d.ln("      - AWS_ACCESS_KEY_ID={$k}", k=k)
    d.ln("      - AWS_SECRET_ACCESS_KEY={$s}", s=s)
    d.ln("      - STRIPE_KEY={$s}", s=P("STRIPE_CREDENTIALS", gen_stripe()))
    d.ln("      - HF_TOKEN={$t}", t=P("HUGGINGFACE_TOKEN", gen_hf()))
    d.ln("    ports: [\"8080:8080\"]")
    d.ln("  worker:")
    d.ln("    image: ghcr.io/northwind/worker@sha256:{$h}", h=neg_hash("sha256"))
    d.ln("    environment:")
    d.ln("      ANTHROPIC_API_KEY: {$t}", t=P("ANTHROPIC_API_KEY", gen_anthropic()))
    d.ln("      GITHUB_TOKEN: {$t}", t=P("GITHUB_TOKEN", gen_github()))
    d.ln("  db:")
    d.ln("    image: postgres:{$v}", v=N("version_string", "16.%d" % rng.randint(0, 4)))


def cfg_ansible(i):
    d = Doc("config/ansible/group_vars/%s.yml" % ("bastion", "web", "db", "deploy")[i % 4], "config")
    d.ln("---")
    d.ln("deploy_user: deploy")
    d.ln("deploy_version: \"{$v}\"", v=neg_version())
    d.ln("ntp_servers: [\"0.pool.ntp.org\", \"1.pool.ntp.org\"]")
    d.ln("admin_email: {$e}", e=email_p("ops@" + rng.choice(COMPANY)))
    d.ln("deploy_ssh_private_key: |")
    d.ln("  {$k}", k=P("OPENSSH_PRIVATE_KEY", indent_block(gen_openssh("deploy@%s" % ch("bastion", "ci", "web-1")), 2)))
    d.ln("firewall_allow_ip: {$ip}", ip=ip_p())
    d.ln("internal_ip: {$ip}", ip=neg_private_ip())


def cfg_json_app(i):
    if i % 3 == 0:
        o = od(("Logging", od(("LogLevel", od(("Default", "Information"))))),
               ("ConnectionStrings", od(("Default", "Server=sql01;Database=Orders;User Id=app;Password=%s;" % rs(ALNUM, 14)))),
               ("Stripe", od(("SecretKey", P("STRIPE_CREDENTIALS", gen_stripe())), ("WebhookSecret", "whsec_" + rs(ALNUM, 32)))),
               ("Aws", od(("AccessKeyId", P("AWS_ACCESS_KEY_ID", gen_aws_key_id())), ("SecretAccessKey", P("AWS_CREDENTIALS", gen_aws_secret())),
                          ("Region", "us-east-1"))),
               ("Support", od(("Email", email_p("help@" + rng.choice(COMPANY))), ("Phone", phone_p("US", True)))),
               ("Version", neg_version()))
        name = "config/app/appsettings.Production.json" if i == 0 else "config/app/appsettings.%d.json" % i
    elif i % 3 == 1:
        o = od(("firebase", od(("apiKey", P("GCP_API_KEY", gen_gcp_key())), ("authDomain", "%s.firebaseapp.com" % ch("orbit-pay", "kestrel-app")),
                               ("projectId", "orbit-pay-%d" % rng.randint(1000, 9999)), ("storageBucket", "orbit-pay.appspot.com"),
                               ("messagingSenderId", N("nine_digit_number_without_keyword", str(rng.randint(10**11, 10**12 - 1)))),
                               ("appId", "1:%d:web:%s" % (rng.randint(10**11, 10**12 - 1), rs(HEX, 22))))),
               ("sentry", od(("release", neg_build()), ("environment", "production"))),
               ("buildHash", neg_hash("sha1")))
        name = "config/app/firebase-config-%d.json" % i
    else:
        o = od(("name", "reporting-service"), ("version", neg_version()),
               ("llm", od(("provider", "openai"), ("apiKey", P("OPENAI_API_KEY", gen_openai())), ("model", "gpt-4o-mini"))),
               ("notifications", od(("slackToken", P("SLACK_TOKEN", gen_slack())), ("oncall", [email_p(Person("US").work_email) for _ in range(2)]))),
               ("huggingface", od(("token", P("HUGGINGFACE_TOKEN", gen_hf())))),
               ("createdAt", neg_ts("iso")))
        name = "config/app/reporting-%d.json" % i
    d = Doc(name, "json")
    emit_json(d, o, indent=2)
    d.t("\n")


def cfg_ini(i):
    if i == 0:
        d = Doc("config/aws/credentials", "config")
        for prof in ("default", "billing-prod", "data-lake"):
            k, s = aws_pair()
            d.ln("[%s]" % prof)
            d.ln("aws_access_key_id = {$k}", k=k)
            d.ln("aws_secret_access_key = {$s}", s=s)
            if rng.random() < 0.5:
                d.ln("region = us-east-1")
            d.ln()
        d.ln("[example]")
        d.ln("aws_access_key_id = {$k}", k=neg_aws_doc(0))
        d.ln("aws_secret_access_key = {$s}", s=neg_aws_doc(1))
    elif i == 1:
        d = Doc("config/app/settings.ini", "config")
        d.ln("[app]")
        d.ln("version = {$v}", v=neg_version())
        d.ln("debug = false")
        d.ln()
        d.ln("[payments]")
        d.ln("stripe_secret = {$s}", s=P("STRIPE_CREDENTIALS", gen_stripe()))
        d.ln("currency = USD")
        d.ln()
        d.ln("[mail]")
        d.ln("from = {$e}", e=email_p("billing@" + rng.choice(COMPANY)))
        d.ln("reply_to = {$e}", e=email_p("support@" + rng.choice(COMPANY)))
        d.ln()
        d.ln("[ai]")
        d.ln("anthropic_api_key = {$k}", k=P("ANTHROPIC_API_KEY", gen_anthropic()))
        d.ln("max_tokens = 2048")
    elif i == 2:
        d = Doc("config/db/odbc.ini", "config")
        d.ln("[ODBC Data Sources]")
        d.ln("Orders = PostgreSQL Unicode")
        d.ln()
        d.ln("[Orders]")
        d.ln("Driver = /usr/lib/x86_64-linux-gnu/odbc/psqlodbcw.so")
        d.ln("Servername = db-orders.internal")
        d.ln("Port = 5432")
        d.ln("Protocol = {$v}", v=N("version_string", "7.4"))
        d.ln("ReadOnly = No")
        d.ln("ConnSettings = SET application_name='etl-{$b}'", b=neg_build())
    else:
        d = Doc("config/tools/boto-%d.cfg" % i, "config")
        d.ln("[Credentials]")
        k, s = aws_pair()
        d.ln("aws_access_key_id = {$k}", k=k)
        d.ln("aws_secret_access_key = {$s}", s=s)
        d.ln()
        d.ln("[Boto]")
        d.ln("debug = 0")
        d.ln("num_retries = 10")


def cfg_tf(i):
    d = Doc("config/terraform/%s.tf" % ("main", "providers", "iam", "gke")[i % 4], "config")
    d.ln("terraform {")
    d.ln("  required_version = \">= {$v}\"", v=N("version_string", "1.%d.%d" % (rng.randint(3, 9), rng.randint(0, 9))))
    d.ln("}")
    d.ln()
    if i % 2 == 0:
        k, s = aws_pair()
        d.ln("provider \"aws\" {")
        d.ln("  region     = \"us-east-1\"")
        d.ln("  access_key = \"{$k}\"", k=k)
        d.ln("  secret_key = \"{$s}\"", s=s)
        d.ln("}")
        d.ln()
        d.ln("resource \"aws_instance\" \"bastion\" {")
        d.ln("  ami           = \"ami-%s\"" % rs(HEX, 17))
        d.ln("  instance_type = \"t3.micro\"")
        d.ln("  tags = { Owner = \"{$e}\" }", e=email_p(Person("US").work_email))
        d.ln("}")
        d.ln()
        d.ln("resource \"tls_self_signed_cert\" \"internal\" {")
        d.ln("  private_key_pem = <<-EOT")
        d.ln("    {$k}", k=P("PKCS", indent_block(gen_pkcs("RSA"), 4)))
        d.ln("  EOT")
        d.ln("}")
    else:
        d.ln("provider \"google\" {")
        d.ln("  project     = \"analytics-%d\"" % rng.randint(1000, 9999))
        d.ln("  credentials = <<EOF")
        sa = fix_sa_pkcs(service_account())
        emit_json(d, sa, indent=2)
        d.ln()
        d.ln("EOF")
        d.ln("}")
        d.ln()
        d.ln("variable \"maps_api_key\" {")
        d.ln("  default = \"{$k}\"", k=P("GCP_API_KEY", gen_gcp_key()))
        d.ln("}")
        d.ln()
        d.ln("resource \"google_compute_firewall\" \"office\" {")
        d.ln("  name          = \"allow-office\"")
        d.ln("  source_ranges = [\"{$ip}/32\"]  # office ip", ip=ip_p())
        d.ln("}")


def cfg_dockerfile(i):
    d = Doc("config/docker/Dockerfile" if i == 0 else "config/docker/%s.Dockerfile" % ("worker", "ml", "api")[i % 3], "config")
    d.ln("FROM python:{$v}-slim", v=N("version_string", "3.%d.%d" % (rng.randint(9, 12), rng.randint(0, 9))))
    d.ln("LABEL maintainer=\"{$e}\"", e=email_p("platform@" + rng.choice(COMPANY)))
    d.ln("ARG BUILD_NUMBER={$b}", b=neg_build())
    if i % 3 == 0:
        d.ln("ENV HF_TOKEN={$t}", t=P("HUGGINGFACE_TOKEN", gen_hf()))
    elif i % 3 == 1:
        d.ln("ARG GITHUB_TOKEN={$t}", t=P("GITHUB_TOKEN", gen_github()))
        d.ln("RUN git config --global url.\"https://x-access-token:${GITHUB_TOKEN}@github.com/\".insteadOf \"https://github.com/\"")
    else:
        k, s = aws_pair()
        d.ln("ENV AWS_ACCESS_KEY_ID={$k} \\", k=k)
        d.ln("    AWS_SECRET_ACCESS_KEY={$s}", s=s)
    d.ln("WORKDIR /app")
    d.ln("COPY requirements.txt .")
    d.ln("RUN pip install --no-cache-dir -r requirements.txt numpy=={$a} pandas=={$b}", a=neg_version(), b=neg_version())
    d.ln("COPY . .")
    d.ln("EXPOSE 8000")
    d.ln("CMD [\"gunicorn\", \"app:app\", \"-b\", \"0.0.0.0:8000\"]")


def cfg_shell(i):
    d = Doc("config/scripts/%s.sh" % ("deploy", "backup", "rotate-keys", "bootstrap", "sync-reports")[i % 5], "config")
    d.ln("#!/usr/bin/env bash")
    d.ln("set -euo pipefail")
    d.ln("# build {$b}", b=neg_build())
    r = i % 5
    if r == 0:
        k, s = aws_pair()
        d.ln("export AWS_ACCESS_KEY_ID={$k}", k=k)
        d.ln("export AWS_SECRET_ACCESS_KEY={$s}", s=s)
        d.ln("aws s3 sync ./dist s3://%s-assets/ --delete" % ch("bluefin", "orbit", "kestrel"))
    elif r == 1:
        d.ln("curl -sS -H \"Authorization: Basic {$b}\" https://backup.%s/api/v1/snapshots" % rng.choice(COMPANY),
             b=P("HTTP_BASIC_AUTH_HEADER", gen_basic("backup", rs(ALNUM, 16))))
        d.ln("curl -sS -H \"PRIVATE-TOKEN: {$t}\" https://gitlab.com/api/v4/projects/%d/repository/archive" % rng.randint(1000, 99999),
             t=P("GITLAB_TOKEN", gen_gitlab()))
    elif r == 2:
        d.ln("OLD_KEY={$p}", p=neg_placeholder("${AWS_SECRET_ACCESS_KEY}"))
        d.ln("NEW_SLACK_TOKEN={$t}", t=P("SLACK_TOKEN", gen_slack()))
        d.ln("curl -X POST -H \"Authorization: Bearer ${NEW_SLACK_TOKEN}\" https://slack.com/api/auth.test")
        d.ln("echo \"rotated at $(date -u +%Y-%m-%dT%H:%M:%SZ)\"")
    elif r == 3:
        d.ln("mkdir -p ~/.ssh && chmod 700 ~/.ssh")
        d.ln("cat > ~/.ssh/id_ed25519 <<'KEY'")
        d.ln("{$k}", k=P("OPENSSH_PRIVATE_KEY", gen_openssh("bootstrap@%s" % ch("web-1", "db-2", "ci"))))
        d.ln("KEY")
        d.ln("chmod 600 ~/.ssh/id_ed25519")
    else:
        d.ln("export OPENAI_API_KEY={$t}", t=P("OPENAI_API_KEY", gen_openai()))
        d.ln("python3 summarize.py --since {$d} --to {$e}", d=neg_date(), e=email_p("reports@" + rng.choice(COMPANY)))
    d.ln("echo done")


def gen_config():
    for i in range(10):
        cfg_env(i)
    for i in range(3):
        cfg_env_example(i)
    for i in range(4):
        cfg_yaml_k8s(i)
    for i in range(4):
        cfg_yaml_app(i)
    for i in range(4):
        cfg_yaml_ci(i)
    cfg_compose()
    for i in range(4):
        cfg_ansible(i)
    for i in range(6):
        cfg_json_app(i)
    for i in range(4):
        cfg_ini(i)
    for i in range(4):
        cfg_tf(i)
    for i in range(3):
        cfg_dockerfile(i)
    for i in range(5):
        cfg_shell(i)


def src_py(i):
    r = i % 6
    if r == 0:
        d = Doc("src/python/settings_prod.py", "source")
        d.ln('"""Django settings for the billing project (production)."""')
        d.ln("import os")
        d.ln()
        d.ln("DEBUG = False")
        d.ln("SECRET_KEY = \"django-insecure-%s\"" % rs(LOWER + DIGITS + "!@#$%^&*(-_=+)", 50).replace("\"", "x"))
        d.ln("ALLOWED_HOSTS = [\"billing.%s\"]" % rng.choice(COMPANY))
        d.ln("EMAIL_HOST_USER = \"{$e}\"", e=email_p("billing-bot@" + rng.choice(COMPANY)))
        d.ln("STRIPE_SECRET_KEY = os.environ.get(\"STRIPE_SECRET_KEY\", \"{$s}\")", s=P("STRIPE_CREDENTIALS", gen_stripe()))
        d.ln("AWS_ACCESS_KEY_ID = \"{$k}\"", k=P("AWS_ACCESS_KEY_ID", gen_aws_key_id()))
        d.ln("AWS_SECRET_ACCESS_KEY = \"{$s}\"", s=P("AWS_CREDENTIALS", gen_aws_secret()))
        d.ln("AWS_STORAGE_BUCKET_NAME = \"billing-invoices-prod\"")
        d.ln("VERSION = \"{$v}\"", v=neg_version())
    elif r == 1:
        d = Doc("src/python/tests/test_card_validation.py", "source")
        d.ln("import pytest")
        d.ln("from billing.cards import is_valid_card, mask")
        d.ln()
        d.ln("# Published test numbers from the processors' docs.")
        d.ln("VALID_TEST_CARDS = [")
        for _ in range(6):
            d.ln("    \"{$c}\",", c=neg_test_card())
        d.ln("]")
        d.ln()
        d.ln("INVALID = [\"{$a}\", \"{$b}\", \"{$c}\"]", a=neg_bad_card(), b=neg_bad_card(), c=neg_bad_prefix())
        d.ln()
        d.ln("@pytest.mark.parametrize(\"number\", VALID_TEST_CARDS)")
        d.ln("def test_valid(number):")
        d.ln("    assert is_valid_card(number)")
        d.ln()
        d.ln("def test_mask_regression():")
        d.ln("    # copied from a prod ticket, FIXME: replace with a test number")
        d.ln("    card_number = \"{$c}\"", c=card_p(True, None, "plain"))
        d.ln("    assert mask(card_number).endswith(card_number[-4:])")
        d.ln()
        d.ln("def test_timestamps():")
        d.ln("    assert parse_ts({$t}) == parse_ts(\"{$u}\")", t=neg_ts("millis"), u=neg_ts("iso"))
    elif r == 2:
        d = Doc("src/python/jobs/export_to_s3.py", "source")
        d.ln("import boto3")
        d.ln("import csv")
        d.ln()
        d.ln("session = boto3.Session(")
        d.ln("    aws_access_key_id=\"{$k}\",", k=P("AWS_ACCESS_KEY_ID", gen_aws_key_id()))
        d.ln("    aws_secret_access_key=\"{$s}\",", s=P("AWS_CREDENTIALS", gen_aws_secret()))
        d.ln(")")
        d.ln("# docs example, kept for reference: {$a}", a=neg_aws_doc(0))
        d.ln("CHECKSUM = \"{$h}\"", h=neg_hash("sha256"))
        d.ln()
        d.ln("def export(rows):")
        d.ln("    s3 = session.client(\"s3\")")
        d.ln("    s3.put_object(Bucket=\"exports\", Key=\"daily.csv\", Body=to_csv(rows))")
        d.ln()
        d.ln("def blob():")
        d.ln("    return \"{$b}\"  # fixture, not a key", b=neg_b64())
    elif r == 3:
        d = Doc("src/python/notify/slack_alerts.py", "source")
        d.ln("import os, requests")
        d.ln()
        d.ln("SLACK_TOKEN = os.getenv(\"SLACK_TOKEN\") or \"{$t}\"", t=P("SLACK_TOKEN", gen_slack()))
        d.ln("ONCALL = [\"{$a}\", \"{$b}\"]", a=email_p(Person("US").work_email), b=email_p(Person("US").work_email))
        d.ln("ONCALL_PHONE = \"{$p}\"", p=phone_p("US", True))
        d.ln()
        d.ln("def post(channel, text):")
        d.ln("    return requests.post(\"https://slack.com/api/chat.postMessage\",")
        d.ln("                         headers={\"Authorization\": f\"Bearer {SLACK_TOKEN}\"},")
        d.ln("                         json={\"channel\": channel, \"text\": text}, timeout=10)")
    elif r == 4:
        d = Doc("src/python/llm/summarize.py", "source")
        d.ln("import anthropic")
        d.ln("from openai import OpenAI")
        d.ln()
        d.ln("claude = anthropic.Anthropic(api_key=\"{$k}\")", k=P("ANTHROPIC_API_KEY", gen_anthropic()))
        d.ln("oai = OpenAI(api_key=\"{$k}\")", k=P("OPENAI_API_KEY", gen_openai()))
        d.ln("HF_TOKEN = \"{$k}\"", k=P("HUGGINGFACE_TOKEN", gen_hf()))
        d.ln("MODEL_REV = \"{$h}\"", h=neg_hash("sha1"))
        d.ln()
        d.ln("def summarize(text: str) -> str:")
        d.ln("    msg = claude.messages.create(model=\"claude-3-5-sonnet-latest\", max_tokens=512,")
        d.ln("                                 messages=[{\"role\": \"user\", \"content\": text}])")
        d.ln("    return msg.content[0].text")
    else:
        d = Doc("src/python/fixtures/customers_seed.py", "source")
        d.ln("# Seed data for the staging database (copied from a prod export - must be scrubbed)")
        d.ln("CUSTOMERS = [")
        for _ in range(8):
            p = Person("US")
            d.ln("    {\"name\": \"%s\", \"email\": \"{$e}\", \"ssn\": \"{$s}\", \"dob\": \"{$b}\", \"phone\": \"{$p}\"}," % p.name,
                 e=email_p(p.email), s=ssn_p("dash"), b=dob_p(p, "iso"), p=phone_p("US", rng.random() < 0.5))
        d.ln("]")
        d.ln("ORDER_IDS = [{$a}, {$b}, {$c}]", a=N("order_invoice_tracking_number", str(rng.randint(10**9, 10**10))),
             b=N("order_invoice_tracking_number", str(rng.randint(10**9, 10**10))), c=neg_ts("epoch"))


def src_js(i):
    r = i % 5
    if r == 0:
        d = Doc("src/js/firebase.js", "source")
        d.ln("import { initializeApp } from 'firebase/app';")
        d.ln()
        d.ln("const firebaseConfig = {")
        d.ln("  apiKey: \"{$k}\",", k=P("GCP_API_KEY", gen_gcp_key()))
        d.ln("  authDomain: \"orbit-pay.firebaseapp.com\",")
        d.ln("  projectId: \"orbit-pay\",")
        d.ln("  appId: \"1:%d:web:%s\"," % (rng.randint(10**11, 10**12 - 1), rs(HEX, 22)))
        d.ln("};")
        d.ln("export const app = initializeApp(firebaseConfig);")
    elif r == 1:
        d = Doc("src/js/server/checkout.js", "source")
        d.ln("const Stripe = require('stripe');")
        d.ln("const stripe = Stripe(process.env.STRIPE_KEY || '{$k}');", k=P("STRIPE_CREDENTIALS", gen_stripe()))
        d.ln()
        d.ln("// sample token from the staging IdP, used by the smoke test")
        d.ln("const SMOKE_JWT = '{$j}';", j=P("JSON_WEB_TOKEN", gen_jwt()))
        d.ln("const SUPPORT = '{$e}';", e=email_p("support@" + rng.choice(COMPANY)))
        d.ln()
        d.ln("module.exports.charge = async (req, res) => {")
        d.ln("  const { amount, paymentMethod } = req.body;")
        d.ln("  const intent = await stripe.paymentIntents.create({ amount, currency: 'usd', payment_method: paymentMethod });")
        d.ln("  res.json({ id: intent.id, version: '{$v}' });", v=neg_version())
        d.ln("};")
    elif r == 2:
        d = Doc("src/js/test/fixtures.js", "source")
        d.ln("// Test fixtures")
        d.ln("export const users = [")
        for _ in range(6):
            p = Person("US")
            d.ln("  { id: '{$u}', name: '%s', email: '{$e}', phone: '{$p}' }," % p.name.replace("'", "\\'"),
                 u=neg_uuid(), e=email_p(p.email), p=phone_p("US", True))
        d.ln("];")
        d.ln("export const cards = ['{$a}', '{$b}'];", a=neg_test_card(), b=neg_test_card())
        d.ln("export const createdAt = {$t};", t=neg_ts("millis"))
    elif r == 3:
        d = Doc("src/js/scripts/github-sync.mjs", "source")
        d.ln("import { Octokit } from '@octokit/rest';")
        d.ln()
        d.ln("const octokit = new Octokit({ auth: '{$t}' });", t=P("GITHUB_TOKEN", gen_github()))
        d.ln("const gitlabToken = '{$t}';", t=P("GITLAB_TOKEN", gen_gitlab()))
        d.ln("const sha = '{$h}';", h=neg_hash("git"))
        d.ln()
        d.ln("export async function mirror(repo) {")
        d.ln("  const { data } = await octokit.repos.get({ owner: 'northwind', repo });")
        d.ln("  return data.default_branch;")
        d.ln("}")
    else:
        d = Doc("src/js/lib/geo.ts", "source")
        d.ln("export const OFFICES = [")
        for _ in range(5):
            c = rng.choice(US_CITIES)
            d.ln("  { city: '%s', coordinates: '{$g}' }," % c[0], g=P("LATITUDE_LONGITUDE", latlong((c[3], c[4]))))
        d.ln("];")
        d.ln("export const ZOOM = 12.5;")
        d.ln("export const DEFAULT_IP = '{$ip}'; // local dev ip", ip=neg_private_ip())


def src_go(i):
    r = i % 4
    if r == 0:
        d = Doc("src/go/cmd/uploader/main.go", "source")
        d.ln("package main")
        d.ln()
        d.ln("import (")
        d.ln("\t\"github.com/aws/aws-sdk-go/aws/credentials\"")
        d.ln(")")
        d.ln()
        d.ln("const (")
        d.ln("\tawsAccessKeyID     = \"{$k}\"", k=P("AWS_ACCESS_KEY_ID", gen_aws_key_id()))
        d.ln("\tawsSecretAccessKey = \"{$s}\"", s=P("AWS_CREDENTIALS", gen_aws_secret()))
        d.ln(")")
        d.ln()
        d.ln("func creds() *credentials.Credentials {")
        d.ln("\treturn credentials.NewStaticCredentials(awsAccessKeyID, awsSecretAccessKey, \"\")")
        d.ln("}")
    elif r == 1:
        d = Doc("src/go/internal/auth/basic.go", "source")
        d.ln("package auth")
        d.ln()
        d.ln("// Default header used by the legacy reporting endpoint.")
        d.ln("const legacyHeader = \"Authorization: Basic {$b}\"", b=P("HTTP_BASIC_AUTH_HEADER", gen_basic("reporting", rs(ALNUM, 14))))
        d.ln("const buildID = \"{$b}\"", b=neg_build())
        d.ln()
        d.ln("func Header() string { return legacyHeader }")
    elif r == 2:
        d = Doc("src/go/internal/notify/slack.go", "source")
        d.ln("package notify")
        d.ln()
        d.ln("var token = \"{$t}\"", t=P("SLACK_TOKEN", gen_slack()))
        d.ln("var hfToken = \"{$t}\"", t=P("HUGGINGFACE_TOKEN", gen_hf()))
        d.ln("var version = \"{$v}\"", v=neg_version())
    else:
        d = Doc("src/go/internal/payments/luhn_test.go", "source")
        d.ln("package payments")
        d.ln()
        d.ln("import \"testing\"")
        d.ln()
        d.ln("func TestLuhn(t *testing.T) {")
        d.ln("\tcases := map[string]bool{")
        d.ln("\t\t\"{$a}\": true,", a=neg_test_card())
        d.ln("\t\t\"{$a}\": true,", a=neg_test_card())
        d.ln("\t\t\"{$a}\": false,", a=neg_bad_card())
        d.ln("\t\t\"{$a}\": true, // luhn ok, unknown issuer", a=neg_bad_prefix())
        d.ln("\t}")
        d.ln("\tfor n, want := range cases {")
        d.ln("\t\tif Luhn(n) != want {")
        d.ln("\t\t\tt.Errorf(\"%s\", n)")
        d.ln("\t\t}")
        d.ln("\t}")
        d.ln("}")


def src_java(i):
    r = i % 4
    if r == 0:
        d = Doc("src/java/com/northwind/billing/AwsConfig.java", "source")
        d.ln("package com.northwind.billing;")
        d.ln()
        d.ln("public final class AwsConfig {")
        d.ln("    static final String ACCESS_KEY_ID = \"{$k}\";", k=P("AWS_ACCESS_KEY_ID", gen_aws_key_id()))
        d.ln("    static final String SECRET_ACCESS_KEY = \"{$s}\";", s=P("AWS_CREDENTIALS", gen_aws_secret()))
        d.ln("    static final String REGION = \"us-west-2\";")
        d.ln("    static final String BUILD = \"{$b}\";", b=neg_build())
        d.ln("}")
    elif r == 1:
        d = Doc("src/java/com/northwind/billing/CustomerFixture.java", "source")
        d.ln("package com.northwind.billing;")
        d.ln()
        d.ln("class CustomerFixture {")
        for _ in range(4):
            p = Person("US")
            d.ln("    static Customer c%d = new Customer(\"%s\", \"{$e}\", /* ssn */ \"{$s}\", /* dob */ \"{$b}\");" % (rng.randint(1, 99), p.name),
                 e=email_p(p.email), s=ssn_p("dash"), b=dob_p(p, "iso"))
        d.ln("    static long created = {$t}L;", t=neg_ts("millis"))
        d.ln("}")
    elif r == 2:
        d = Doc("src/java/com/northwind/billing/PaymentClientTest.java", "source")
        d.ln("package com.northwind.billing;")
        d.ln()
        d.ln("class PaymentClientTest {")
        d.ln("    private static final String TEST_CARD = \"{$c}\";", c=neg_test_card())
        d.ln("    private static final String STRIPE_KEY = \"{$k}\";", k=P("STRIPE_CREDENTIALS", gen_stripe()))
        d.ln("    private static final String ORDER = \"{$o}\";", o=neg_tracking())
        d.ln("    private static final String RUN_ID = \"{$u}\";", u=neg_uuid())
        d.ln("}")
    else:
        d = Doc("src/java/com/northwind/auth/JwtSamples.java", "source")
        d.ln("package com.northwind.auth;")
        d.ln()
        d.ln("class JwtSamples {")
        d.ln("    // captured from staging, still valid for the integration suite")
        d.ln("    static final String ADMIN = \"{$j}\";", j=P("JSON_WEB_TOKEN", gen_jwt(alg="RS256")))
        d.ln("    static final String USER = \"{$j}\";", j=P("JSON_WEB_TOKEN", gen_jwt(alg="HS256")))
        d.ln("    static final String PLACEHOLDER = \"{$p}\";", p=neg_placeholder("<your-token-here>"))
        d.ln("}")


def gen_source():
    for i in range(6):
        src_py(i)
    for i in range(5):
        src_js(i)
    for i in range(4):
        src_go(i)
    for i in range(4):
        src_java(i)


def gen_keys():
    users = ["alice", "bob", "deploy", "ci", "jenkins", "backup", "ops", "svc-etl", "carol", "dave", "erin"]
    for i in range(9):
        u = users[i]
        d = Doc("keys/ssh/id_%s_%s" % (ch("ed25519", "rsa"), u), "key")
        d.put(P("OPENSSH_PRIVATE_KEY", gen_openssh("%s@%s" % (u, ch("laptop", "bastion", "build-01", "mbp")))))
        d.t("\n")
    for i in range(6):
        d = Doc("keys/tls/%s.key" % ("api", "ingress", "grafana", "vault", "mail", "ldap")[i % 6], "key")
        d.put(P("PKCS", gen_pkcs(("RSA", "EC", "PKCS8", "ENC", "RSA", "PKCS8")[i])))
        d.t("\n")
    for i in range(11):
        d = Doc("keys/putty/%s.ppk" % users[i], "key")
        d.put(P("PUTTY_PRIVATE_KEY", gen_putty()))
        d.t("\n")
    for i in range(10):
        p = Person("US")
        d = Doc("keys/pgp/%s-secret%s.asc" % (ascii_fold(p.last).lower(), "" if i < 9 else "-old"), "key")
        d.put(P("PGP_PRIVATE_KEY", gen_pgp("%s <%s>" % (p.name, "key-%d" % i))))
        d.t("\n")
    # keys pasted in prose
    for i in range(4):
        u = Person("US")
        d = Doc("tickets/IT-%d-ssh-access.md" % rng.randint(1000, 9999), "prose")
        d.ln("# IT request: SSH access for %s" % u.name)
        d.ln()
        d.ln("Requester: {$e}", e=email_p(u.work_email))
        d.ln()
        d.ln("I generated a key with PuTTYgen but the server rejects it. Here is the file, hope that's ok:")
        d.ln()
        d.ln("```")
        d.ln("{$k}", k=P("PUTTY_PRIVATE_KEY", gen_putty()))
        d.ln("```")
        d.ln()
        d.ln("> **IT:** Please never send private keys. This key is now considered compromised; generate a new one and")
        d.ln("> send only the public part (the `ssh-rsa AAAA...` line).")
    for i in range(3):
        d = Doc("email/fwd-gpg-key-%02d.txt" % (i + 1), "prose")
        a, b = Person("US"), Person("US")
        a.email = a.work_email
        mail_head(d, a, (b.name, b.work_email), "signing key for the release box")
        d.ln("%s, as discussed - exported with `gpg --export-secret-keys --armor`:" % b.first)
        d.ln()
        d.ln("{$k}", k=P("PGP_PRIVATE_KEY", gen_pgp("Release Signing <release@%s>" % a.work_email.split("@")[1]).replace(
            "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n", "-----BEGIN PGP PRIVATE KEY BLOCK-----\nComment: release key %d\n\n" % (i + 1))))
        d.ln()
        d.ln("fingerprint {$h}", h=neg_hash("sha1"))



# ---------------------------------------------------------------------------
# Extra files that raise credential / rare-type counts in realistic places
# ---------------------------------------------------------------------------

def bash_history(user):
    d = Doc("config/shell/%s.bash_history" % user, "config")
    cmds = []
    for _ in range(rng.randint(30, 45)):
        cmds.append(ch("ls -la", "cd ~/src/%s" % ch("api", "infra", "billing"), "git status", "git pull --rebase",
                       "kubectl get pods -n prod", "docker ps", "make test", "vim .env", "htop", "terraform plan",
                       "git log --oneline | head", "npm run dev", "python3 -m venv .venv"))
    for c in cmds:
        d.ln(c)
        r = rng.random()
        if r < 0.07:
            k, s = aws_pair()
            d.ln("export AWS_ACCESS_KEY_ID={$k}", k=k)
            d.ln("export AWS_SECRET_ACCESS_KEY={$s}", s=s)
        elif r < 0.12:
            d.ln("export OPENAI_API_KEY={$t}", t=P("OPENAI_API_KEY", gen_openai()))
        elif r < 0.17:
            d.ln("export ANTHROPIC_API_KEY={$t}", t=P("ANTHROPIC_API_KEY", gen_anthropic()))
        elif r < 0.21:
            d.ln("huggingface-cli login --token {$t}", t=P("HUGGINGFACE_TOKEN", gen_hf()))
        elif r < 0.26:
            d.ln("gh auth login --with-token <<< {$t}", t=P("GITHUB_TOKEN", gen_github(ch("ghp", "gho", "github_pat"))))
        elif r < 0.30:
            d.ln("curl -H \"PRIVATE-TOKEN: {$t}\" https://gitlab.com/api/v4/user", t=P("GITLAB_TOKEN", gen_gitlab()))
        elif r < 0.34:
            d.ln("curl -H 'Authorization: Basic {$b}' https://jenkins.internal/job/deploy/build",
                 b=P("HTTP_BASIC_AUTH_HEADER", gen_basic("jenkins", rs(ALNUM, 18))))
        elif r < 0.38:
            d.ln("stripe login --api-key {$t}", t=P("STRIPE_CREDENTIALS", gen_stripe()))
        elif r < 0.42:
            d.ln("curl -s 'https://maps.googleapis.com/maps/api/geocode/json?address=Main+St&key={$k}'", k=P("GCP_API_KEY", gen_gcp_key()))
        elif r < 0.46:
            d.ln("SLACK_TOKEN={$t} ./notify.sh \"deploy done\"", t=P("SLACK_TOKEN", gen_slack()))
        elif r < 0.50:
            d.ln("git checkout {$h}", h=neg_hash("git"))


def postman_collection(i):
    items = []
    for k in range(rng.randint(6, 9)):
        r = k % 4
        if r == 0:
            auth = od(("type", "basic"), ("basic", [od(("key", "password"), ("value", rs(ALNUM, 14))), od(("key", "username"), ("value", "api"))]))
            hdr = [od(("key", "Authorization"), ("value", M("Basic ", P("HTTP_BASIC_AUTH_HEADER", gen_basic("api", rs(ALNUM, 14))))))]
        elif r == 1:
            auth = od(("type", "bearer"), ("bearer", [od(("key", "token"), ("value", P("JSON_WEB_TOKEN", gen_jwt())))]))
            hdr = []
        elif r == 2:
            auth = od(("type", "apikey"), ("apikey", [od(("key", "value"), ("value", P("STRIPE_CREDENTIALS", gen_stripe()))),
                                                      od(("key", "key"), ("value", "Authorization"))]))
            hdr = []
        else:
            auth = od(("type", "noauth"))
            hdr = [od(("key", "x-api-key"), ("value", P("GCP_API_KEY", gen_gcp_key())))]
        items.append(od(("name", ch("List orders", "Create charge", "Refund", "Get customer", "Geocode", "Health")),
                        ("request", od(("method", ch("GET", "POST")), ("auth", auth), ("header", hdr),
                                       ("url", "https://api.%s/v%d/%s" % (rng.choice(COMPANY), rng.randint(1, 3), ch("orders", "charges", "customers")))))))
    o = od(("info", od(("_postman_id", neg_uuid()), ("name", "%s API" % ch("Orbit Pay", "Kestrel", "Bluefin")),
                       ("schema", "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"))),
           ("item", items))
    d = Doc("data/postman/%s-api-%d.postman_collection.json" % (("orbit-pay", "kestrel")[i % 2], i + 1), "json")
    emit_json(d, o, indent=2)
    d.t("\n")


def slack_export(i):
    recs = []
    users = [Person("US") for _ in range(5)]
    for _ in range(rng.randint(70, 90)):
        u = rng.choice(users)
        r = rng.random()
        if r < 0.08:
            text = M("can you re-run the refund on ", card_p(False), "? the customer read it out to me")
        elif r < 0.13:
            text = M("new bot token is ", P("SLACK_TOKEN", gen_slack()), " - rotate the old one")
        elif r < 0.18:
            text = M("use my PAT for now: ", P("GITHUB_TOKEN", gen_github()))
        elif r < 0.22:
            text = M("HF token for the eval box ", P("HUGGINGFACE_TOKEN", gen_hf()))
        elif r < 0.26:
            text = M("customer callback ", phone_p("US", True), " re ticket SUP-%d" % rng.randint(10000, 99999))
        elif r < 0.30:
            text = M("ping ", email_p(rng.choice(users).work_email), " about the invoice")
        elif r < 0.34:
            text = M("anthropic key for staging: ", P("ANTHROPIC_API_KEY", gen_anthropic()))
        elif r < 0.38:
            text = M("openai: ", P("OPENAI_API_KEY", gen_openai()))
        elif r < 0.42:
            text = M("gitlab deploy token ", P("GITLAB_TOKEN", gen_gitlab()))
        elif r < 0.45:
            text = M("build ", neg_build(), " is green, tagging ", neg_version())
        else:
            text = ch("lgtm", "on it", "merged", "deploying now", "who owns the billing alerts?", "standup in 5",
                      "rollback done", ":eyes:", "thanks!", "can someone review #%d" % rng.randint(100, 999))
        recs.append(od(("type", "message"), ("user", "U0" + rs(UPPER + DIGITS, 9)), ("text", text),
                       ("ts", "%s.%06d" % (epoch(), rng.randint(0, 999999)))))
    emit_jsonl(Doc("data/chat/slack-%s.jsonl" % ("eng-ops", "support-escalations", "payments-team")[i % 3], "jsonl"), recs)


def log_pos(i):
    d = Doc("logs/pos/terminal-%03d.log" % (i + 100), "log")
    t = rand_ts()
    for _ in range(rng.randint(90, 120)):
        t += datetime.timedelta(seconds=rng.randint(5, 600))
        d.t("[%s] T%03d " % (t.strftime("%Y-%m-%d %H:%M:%S"), i + 100))
        r = rng.random()
        if r < 0.2:
            p = Person("US")
            pan = gen_card(ch("visa", "mastercard", "discover", "amex"))
            d.ln("{$k} {$t}", k=ch("MSR swipe:", "swipe data=", "magstripe:", "stripe raw:"), t=track_p(pan, p.last, p.first))
        elif r < 0.3:
            d.ln("EMV chip read ok aid=A0000000031010 pan={$m}", m=N("masked_card_number", "%s******%s" % (rs(DIGITS, 6), rs(DIGITS, 4))))
        elif r < 0.35:
            d.ln("test swipe card={$c}", c=neg_test_card())
        else:
            d.ln("%s amount=%0.2f batch={$b}" % (ch("sale approved", "sale approved", "void", "settlement ok", "printer ok"),
                                                  rng.uniform(1, 300)), b=neg_build())


def csv_tax_filers():
    header = ["return_id", "filer_name", "ssn", "spouse_name", "spouse_itin", "filing_status", "refund_routing", "refund_bank_account",
              "agi", "filed_at"]
    rows = []
    for _ in range(45):
        p, sp = Person("US"), Person("US")
        rows.append(["R%07d" % rng.randint(0, 9999999), p.name, ssn_p(ch("dash", "bare")), sp.name, itin_p(),
                     ch("MFJ", "MFJ", "MFS"), P("USA_ABA_ROUTING_NUMBER", gen_aba()), P("BANK_ACCOUNT_NUMBER", gen_bank_acct()),
                     str(rng.randint(20000, 400000)), neg_date()])
    emit_csv(Doc("exports/tax/filers_2023.csv", "csv"), header, rows)


def csv_uk_patients():
    header = ["patient_ref", "nhs_number", "surname", "forename", "dob", "mobile", "gp_practice", "registered"]
    rows = []
    for _ in range(40):
        p = Person("UK")
        rows.append(["P%06d" % rng.randint(0, 999999), nhs_p(), p.last, p.first, dob_p(p, ch("eu", "iso")),
                     phone_p("UK", rng.random() < 0.4), "%s%05d" % (rs(UPPER, 1), rng.randint(0, 99999)), neg_date()])
    emit_csv(Doc("exports/health/uk_patient_list.csv", "csv"), header, rows)


def csv_manifest():
    header = ["pnr", "surname", "given_names", "passport_number", "nationality", "date_of_birth", "contact_phone", "seat"]
    rows = []
    for _ in range(40):
        p = Person("US")
        rows.append([rs(UPPER, 6), p.last.upper(), p.first.upper(), P("USA_PASSPORT_NUMBER", gen_passport()), "USA",
                     dob_p(p, ch("iso", "dmy_short")), phone_p("US", True), "%d%s" % (rng.randint(1, 40), ch("A", "B", "C", "D"))])
    emit_csv(Doc("exports/travel/passenger_manifest.csv", "csv"), header, rows)


def secrets_export():
    secrets = []
    for k in range(16):
        r = k % 8
        if r == 0:
            v = od(("aws_access_key_id", P("AWS_ACCESS_KEY_ID", gen_aws_key_id())), ("aws_secret_access_key", P("AWS_CREDENTIALS", gen_aws_secret())))
        elif r == 1:
            v = fix_sa_pkcs(service_account())
        elif r == 2:
            v = od(("token", P("SLACK_TOKEN", gen_slack())))
        elif r == 3:
            v = od(("api_key", P("STRIPE_CREDENTIALS", gen_stripe())))
        elif r == 4:
            v = od(("github_token", P("GITHUB_TOKEN", gen_github())))
        elif r == 5:
            v = od(("openai_api_key", P("OPENAI_API_KEY", gen_openai())), ("anthropic_api_key", P("ANTHROPIC_API_KEY", gen_anthropic())))
        elif r == 6:
            v = od(("hf_token", P("HUGGINGFACE_TOKEN", gen_hf())), ("gitlab_token", P("GITLAB_TOKEN", gen_gitlab())))
        else:
            v = od(("maps_key", P("GCP_API_KEY", gen_gcp_key())), ("basic_auth", M("Authorization: Basic ", P("HTTP_BASIC_AUTH_HEADER", gen_basic("svc", rs(ALNUM, 16))))))
        secrets.append(od(("Name", "prod/%s/%d" % (ch("billing", "api", "etl", "ml"), k)), ("ARN", "arn:aws:secretsmanager:us-east-1:%d:secret:%s" % (
            rng.randint(10**11, 10**12 - 1), rs(ALNUM, 6))), ("CreatedDate", neg_ts("iso")), ("SecretString", v)))
    d = Doc("data/backup/secretsmanager-export.json", "json")
    emit_json(d, od(("SecretList", secrets)), indent=2)
    d.t("\n")


def gitlab_ci(i):
    d = Doc("config/ci/gitlab-ci-%s.yml" % ("api", "worker", "ml", "docs", "infra")[i % 5], "config")
    d.ln("stages: [test, build, deploy]")
    d.ln("variables:")
    d.ln("  DOCKER_DRIVER: overlay2")
    d.ln("  APP_VERSION: \"{$v}\"", v=neg_version())
    d.ln("  GITLAB_TOKEN: \"{$t}\"", t=P("GITLAB_TOKEN", gen_gitlab()))
    d.ln("  DEPLOY_TOKEN: {$t}", t=P("GITLAB_TOKEN", gen_gitlab()))
    d.ln("  OPENAI_API_KEY: {$t}", t=P("OPENAI_API_KEY", gen_openai()))
    d.ln("  SLACK_BOT_TOKEN: {$t}", t=P("SLACK_TOKEN", gen_slack()))
    d.ln("  ANTHROPIC_API_KEY: {$t}", t=P("ANTHROPIC_API_KEY", gen_anthropic()))
    d.ln("  STRIPE_SECRET_KEY: {$t}", t=P("STRIPE_CREDENTIALS", gen_stripe()))
    d.ln("  HF_TOKEN: {$t}", t=P("HUGGINGFACE_TOKEN", gen_hf()))
    d.ln("  GH_RELEASE_TOKEN: {$t}", t=P("GITHUB_TOKEN", gen_github(ch("ghp", "ghs", "github_pat"))))
    d.ln("  CACHE_SALT: \"{$b}\"", b=neg_b64())
    d.ln()
    d.ln("test:")
    d.ln("  stage: test")
    d.ln("  image: node:{$v}", v=N("version_string", "%d.%d" % (rng.randint(16, 22), rng.randint(0, 9))))
    d.ln("  script:")
    d.ln("    - npm ci")
    d.ln("    - npm test")
    d.ln()
    d.ln("deploy:")
    d.ln("  stage: deploy")
    d.ln("  script:")
    d.ln("    - 'curl --header \"PRIVATE-TOKEN: $GITLAB_TOKEN\" \"https://gitlab.com/api/v4/projects/%d/releases\"'" % rng.randint(1000, 99999))
    d.ln("    - ./notify.sh \"deployed ${CI_COMMIT_SHORT_SHA}\"")


def ai_env():
    d = Doc("config/env/ai-services.env", "config")
    d.ln("# LLM gateway - one key per environment")
    for env in ("PROD", "STAGING", "DEV", "EVAL"):
        d.ln("ANTHROPIC_API_KEY_%s={$t}" % env, t=P("ANTHROPIC_API_KEY", gen_anthropic()))
    for env in ("PROD", "STAGING"):
        d.ln("OPENAI_API_KEY_%s={$t}" % env, t=P("OPENAI_API_KEY", gen_openai()))
    d.ln("HF_TOKEN={$t}", t=P("HUGGINGFACE_TOKEN", gen_hf()))
    d.ln("HF_TOKEN_READONLY={$t}", t=P("HUGGINGFACE_TOKEN", gen_hf()))
    d.ln("STRIPE_SECRET_KEY={$t}", t=P("STRIPE_CREDENTIALS", gen_stripe()))
    d.ln("STRIPE_RESTRICTED_KEY={$t}", t=P("STRIPE_CREDENTIALS", "rk_live_" + rs(ALNUM, 99)))
    d.ln("MODEL_CACHE_DIR=/mnt/models")
    d.ln("REQUEST_TIMEOUT_S=60")


def store_directory():
    d = Doc("minutes/store-directory.md", "prose")
    d.ln("# Store directory (public)")
    d.ln()
    for _ in range(22):
        c = rng.choice(US_CITIES)
        d.ln("- **%s %s** - %d %s, %s, %s %s%02d - {$p}" % (ch("Bluefin Retail", "Northwind Outlet", "Larkspur Depot"), c[0],
                                                          rng.randint(10, 999), rng.choice(STREETS), c[0], c[1], c[2],
                                                          rng.randint(0, 99)),
             p=N("phone_without_country_code_or_keyword", gen_phone("US", False, rng.choice(US_AREA[c[1]])), nokw="PHONE_NUMBER"))
    d.ln()
    d.ln("Hours: Mon-Sat 9-9, Sun 10-6. Holiday hours vary.")


def session_log():
    d = Doc("logs/app/session-store.log", "log")
    t = rand_ts()
    for _ in range(80):
        t += datetime.timedelta(seconds=rng.randint(1, 300))
        d.ln("%s INFO session.store put sid={$s} nonce={$b} ttl=1800" % t.strftime("%Y-%m-%dT%H:%M:%SZ"),
             s=neg_uuid(), b=neg_b64())


def gen_extra():
    for u in ("alice", "ops", "jenkins", "dmitri", "priya", "root", "deploy"):
        bash_history(u)
    for i in range(5):
        gitlab_ci(i)
    store_directory()
    session_log()
    ai_env()
    for i in range(2):
        postman_collection(i)
    for i in range(3):
        slack_export(i)
    for i in range(3):
        log_pos(i)
    csv_tax_filers()
    csv_uk_patients()
    csv_manifest()
    secrets_export()
    for i in range(4):
        sa = fix_sa_pkcs(service_account())
        d = Doc("data/gcp/%s-%s.json" % (sa["project_id"], rs(HEX, 12)), "json")
        emit_json(d, sa, indent=2)
        d.t("\n")
    json_payout_batch_all()


def json_payout_batch_all():
    items = []
    for cc in IBAN_TYPES:
        p = Person(ch("DE", "FR", "IT", "ES", "UK"))
        items.append(od(("id", "po_" + rs(ALNUM, 12)), ("beneficiary", p.name),
                        ("bank", od(("iban", iban_p(cc)), ("country", cc))), ("amount_eur", round(rng.uniform(10, 9000), 2))))
    emit_json(Doc("data/api/payouts/batch-all-corridors.json", "json"), od(("batch_id", neg_uuid()), ("payouts", items)), indent=2)

# ---------------------------------------------------------------------------
# Self-check and lint
# ---------------------------------------------------------------------------

def kw_near(text, cs, ce, rx, ctx="", maxd=MAX_KW_DIST):
    if ctx and (rx.search(ctx) or rx.search(re.sub(r"[_\-.\[\]$]+", " ", ctx))):
        return True
    lo = max(0, cs - maxd - 40)
    for m in rx.finditer(text, lo, min(len(text), ce + maxd + 40)):
        if m.end() <= cs and cs - m.end() <= maxd:
            return True
        if m.start() >= ce and m.start() - ce <= maxd:
            return True
    return False


LINT = [
    ("email", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"), None),
    ("card", re.compile(r"(?<![\w.])(?:\d{13,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{1,4}(?:\1\d{1,3})?|\d{4}([ -])\d{6}\2\d{4,5}|\d{4}([ -])\d{4}\3\d{5})(?![\w])"),
     lambda s: valid_card(s)),
    ("iban", re.compile(r"\b[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]{4}){2,7}(?:[ -]?[A-Z0-9]{1,4})?\b"),
     lambda s: any(iban_ok(s.replace(" ", "").replace("-", "")[:n]) for n in set(IBAN_LEN.values()))),
    ("aws_key_id", re.compile(r"\b(?:AKIA|ASIA)[A-Z2-7]{16}\b"), None),
    ("token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_\w{40,}|glpat-[\w-]{20}|xox[bpas]-[\w-]{10,}|"
                         r"[sr]k_live_[A-Za-z0-9]{20,}|sk-proj-[\w-]{20,}|sk-ant-api03-[\w-]{20,}|hf_[A-Za-z]{30,}|"
                         r"AIza[\w-]{35}|eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]+|sk-[A-Za-z0-9]{20}T3BlbkFJ)"), None),
    ("private_key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY(?: BLOCK)?-----|PuTTY-User-Key-File-\d"), None),
    ("ssn_dashed", re.compile(r"(?<![\w-])\d{3}-\d{2}-\d{4}(?![\w-])"), lambda s: ssn_ok(s)),
    ("phone_cc", re.compile(r"\+(?:1|44|49|33|39|34|55)(?=[\s.(-]*\d)[\d\s().-]{8,18}\d"), None),
    ("basic_auth", re.compile(r"Authorization: Basic [A-Za-z0-9+/=]{8,}"), None),
]
# keyword-conditional lint: (name, regex, validator, keyword type)
LINT_KW = [
    ("ssn_bare", re.compile(r"(?<![\w-])\d{3}[ -]?\d{2}[ -]?\d{4}(?![\w-])"), lambda s: ssn_ok(s), "USA_SOCIAL_SECURITY_NUMBER"),
    ("phone_nat", re.compile(r"(?<![\w+])\(?\d{3}\)?[-. ]?\d{3}[-. ]\d{4}(?![\w])"), lambda s: phone_ok("PHONE_NUMBER", s), "PHONE_NUMBER"),
    ("ipv4", re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])"), ip_ok, "IP_ADDRESS"),
    ("dob", re.compile(r"\b(?:\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4}|[A-Z][a-z]{2,8} \d{1,2}, \d{4})\b"), dob_ok, "DATE_OF_BIRTH"),
    ("aws_secret", re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])"), None, "AWS_CREDENTIALS"),
    ("routing", re.compile(r"(?<!\d)\d{9}(?!\d)"), aba_ok, "USA_ABA_ROUTING_NUMBER"),
]


def self_check():
    errors = []
    for doc in DOCS:
        text = doc.text()
        data = text.encode("utf-8")
        spans = [(r["cs"], r["ce"]) for r in doc.labels + doc.negs]

        def covered(a, b):
            return any(s < b and a < e for s, e in spans)

        for r in doc.labels:
            it = r["item"]
            if data[r["bs"]:r["be"]].decode("utf-8") != r["w"] or text[r["cs"]:r["ce"]] != r["w"]:
                errors.append("%s: span mismatch for %s" % (doc.path, it.type))
            if it.type not in VALIDATORS:
                errors.append("%s: unknown type %s" % (doc.path, it.type))
            elif not VALIDATORS[it.type](it.value):
                errors.append("%s: invalid %s value %r" % (doc.path, it.type, it.value[:60]))
            needs_kw = it.type in KEYWORD_REQUIRED or (it.type in PHONE_TYPE.values() and not it.value.startswith("+"))
            if needs_kw and not kw_near(text, r["cs"], r["ce"], KW_RE[it.type], r["ctx"]):
                errors.append("%s:%d: no keyword near %s %r" % (doc.path, text.count("\n", 0, r["cs"]) + 1, it.type, it.value[:40]))
            if it.type == "CREDIT_CARD_NUMBER_(NO_KEYWORD)" and kw_near(text, r["cs"], r["ce"], KW_RE[it.type], r["ctx"]):
                errors.append("%s: card keyword near NO_KEYWORD card" % doc.path)
        for r in doc.negs:
            it = r["item"]
            if text[r["cs"]:r["ce"]] != r["w"]:
                errors.append("%s: neg span mismatch" % doc.path)
            if it.nokw and kw_near(text, r["cs"], r["ce"], KW_RE[it.nokw], r["ctx"]):
                errors.append("%s:%d: negative %s %r has a %s keyword nearby" % (
                    doc.path, text.count("\n", 0, r["cs"]) + 1, it.kind, it.raw, it.nokw))
        for name, rx, ok in LINT:
            for m in rx.finditer(text):
                if (ok is None or ok(m.group(0))) and not covered(m.start(), m.end()):
                    errors.append("%s:%d: unlabeled %s %r" % (doc.path, text.count("\n", 0, m.start()) + 1, name, m.group(0)[:50]))
        for name, rx, ok, typ in LINT_KW:
            for m in rx.finditer(text):
                if (ok is None or ok(m.group(0))) and not covered(m.start(), m.end()) and \
                        kw_near(text, m.start(), m.end(), KW_RE[typ]):
                    errors.append("%s:%d: unlabeled %s near keyword %r" % (doc.path, text.count("\n", 0, m.start()) + 1, name,
                                                                            m.group(0)[:50]))
    return errors


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------

def write_all():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    truth, negs = [], []
    total = 0
    for doc in sorted(DOCS, key=lambda d: d.path):
        data = doc.text().encode("utf-8")
        fp = os.path.join(OUT, doc.path)
        os.makedirs(os.path.dirname(fp), exist_ok=True)
        with open(fp, "wb") as f:
            f.write(data)
        total += len(data)
        for r in sorted(doc.labels, key=lambda r: (r["bs"], r["be"])):
            o = OrderedDict([("file", doc.path), ("type", r["item"].type), ("line", data.count(b"\n", 0, r["bs"]) + 1),
                             ("byte_start", r["bs"]), ("byte_end", r["be"])])
            ex = r["extra"]
            if doc.kind == "csv" and "row" in ex:
                o["row"], o["column"] = ex["row"], ex["column"]
            if doc.kind in ("json", "jsonl") and "record" in ex:
                o["record"], o["json_path"] = ex["record"], ex["json_path"]
            truth.append(o)
        for r in sorted(doc.negs, key=lambda r: (r["bs"], r["be"])):
            negs.append(OrderedDict([("file", doc.path), ("kind", r["item"].kind), ("line", data.count(b"\n", 0, r["bs"]) + 1),
                                     ("byte_start", r["bs"]), ("byte_end", r["be"])]))
    return truth, negs, total


NEG_DESCRIPTIONS = OrderedDict([
    ("access_log_ip_without_keyword", "public IPs in web-server / sshd logs with no IP keyword nearby"),
    ("aws_documentation_example_key", "AWS documentation sample keys (AKIAIOSFODNN7EXAMPLE and friends)"),
    ("base64_blob_without_aws_keyword", "40-char base64 strings with no AWS secret keyword nearby"),
    ("build_number", "CI build numbers and date-stamped build ids"),
    ("hex_hash", "md5 / sha1 / sha256 digests and git SHAs"),
    ("iban_bad_check_digits", "IBAN-shaped strings (real structure) with wrong mod-97 check digits"),
    ("invalid_checksum_id_with_keyword", "NHS, SIN, CPF, VIN, NPI, DEA, Aadhaar, DNI, codice fiscale, NIR and Ausweis numbers with a wrong check digit, next to their keyword"),
    ("invalid_ssn_with_keyword", "SSN-shaped numbers with an impossible area (000, 666, 9xx), group 00 or serial 0000, next to 'ssn'"),
    ("luhn_invalid_card_number", "issuer-prefixed 13-19 digit numbers in card formats that fail Luhn, often next to 'card'"),
    ("luhn_valid_bad_issuer_prefix", "Luhn-valid 15-19 digit numbers starting with 1, 7, 8 or 9 (no card issuer)"),
    ("masked_card_number", "masked PANs / last-4 digits"),
    ("nine_digit_number_without_keyword", "customer / employee / member ids (often 9 digits) with no SSN keyword"),
    ("non_birth_date", "dates that are not birth dates (created, shipped, due, hired ...)"),
    ("numeric_table_value", "10-digit counters, prices, quantities and measurements in tables"),
    ("order_invoice_tracking_number", "order, invoice, auth-code and parcel tracking numbers"),
    ("phone_unsupported_country", "phone numbers of countries without a phone identifier (+91)"),
    ("phone_without_country_code_or_keyword", "10-digit phone-shaped numbers with neither +1 nor a phone keyword"),
    ("placeholder_secret", "placeholders: sk_live_xxxx, <your-token-here>, ghp_XXXX, AKIAXXXX..., ${VAR}, sk_test_ keys"),
    ("private_ip_with_keyword", "private / loopback IPs (10.x, 172.16-31.x, 192.168.x, 127.0.0.1) next to an IP keyword"),
    ("product_barcode", "EAN-13 product codes (not Luhn-valid card numbers)"),
    ("publishable_key_not_secret", "Stripe publishable keys (pk_live_), which are public"),
    ("published_test_card_number", "issuer-published test card numbers (4111111111111111, 4242424242424242, ...) next to 'card'"),
    ("short_number", "3-digit numbers that look like a CVV but have no CVV keyword"),
    ("timestamp", "ISO 8601 timestamps, epoch seconds and epoch milliseconds"),
    ("uuid", "UUIDs / request ids"),
    ("version_string", "version strings (1.2.3, v10.4.1.2, 2.0.1-rc.1)"),
])


def write_readme(tc, nc, nfiles, total):
    kinds = Counter(os.path.splitext(d.path)[1] if os.path.splitext(d.path)[1] not in ("", ".example")
                    else ("Dockerfile" if d.path.endswith("Dockerfile") else "(no extension)") for d in DOCS)
    dirs = Counter(d.path.split("/")[0] for d in DOCS)
    L = []
    L.append("# trawl accuracy corpus")
    L.append("")
    L.append("A labeled corpus of synthetic but realistic files (emails, support tickets, HR notes, meeting minutes,")
    L.append("application and access logs, config files, source code, key files, CSV/TSV exports, JSON API payloads")
    L.append("and JSONL event streams) with planted sensitive values of the Amazon Macie managed data identifier")
    L.append("types that trawl implements, plus hard negatives: look-alikes that must not be reported.")
    L.append("All values are generated; none belong to real people, accounts or services.")
    L.append("")
    L.append("## Regenerating")
    L.append("")
    L.append("    python3 tools/gen_corpus.py")
    L.append("")
    L.append("The generator (python3, standard library only, fixed seed) wipes `corpus/` and rewrites every file,")
    L.append("including this README; two runs give byte-identical output. Before writing it self-checks every label:")
    L.append("the bytes at `[byte_start, byte_end)` are the planted value, the value passes its validator (Luhn,")
    L.append("mod 97, mod 11, Verhoeff, ABA, VIN, NPI, DEA, CPF, NIR, codice fiscale, 7-3-1, GitHub CRC32, JWT")
    L.append("structure, key block structure ...), keyword-required values have a keyword within 30 characters")
    L.append("(or in their CSV column name / JSON key path), `CREDIT_CARD_NUMBER_(NO_KEYWORD)` values have none, and")
    L.append("lint detectors re-scan every file so that no unlabeled valid card, IBAN, SSN, email, token, key,")
    L.append("phone number with country code, or keyword-adjacent phone/IP/birth date/routing number slips in.")
    L.append("")
    L.append("## Files")
    L.append("")
    L.append("- `ground-truth.jsonl`: one JSON object per planted value: `file` (relative to `corpus/`), `type`,")
    L.append("  `line` (1-based, line of the first byte), `byte_start`, `byte_end` (the value only, not its label).")
    L.append("  CSV/TSV labels also carry `row` (1-based, header = row 1) and `column` (header name); JSON/JSONL")
    L.append("  labels carry `record` (0-based line for JSONL, 0 for a JSON document) and `json_path`")
    L.append("  (`$.customer.email`, `$.items[2].card`). No raw values are stored. Anything not listed is a negative.")
    L.append("- `hard-negatives.jsonl`: the deliberate look-alikes, same span fields plus `kind` (no raw values).")
    L.append("  Informational: they are negatives like every other unlabeled byte.")
    L.append("")
    L.append("%d corpus files, %d bytes, in: %s." % (nfiles, total, ", ".join("`%s/` (%d)" % (k, v) for k, v in sorted(dirs.items()))))
    L.append("By extension: %s." % ", ".join("`%s` %d" % (k, v) for k, v in sorted(kinds.items())))
    L.append("")
    L.append("## Labeling conventions")
    L.append("")
    L.append("- The span is the value as written in the file: a card number with its spaces or dashes, a phone number")
    L.append("  with its country code and punctuation, an IBAN with its spaces, an IP without port.")
    L.append("- `HTTP_BASIC_AUTH_HEADER`: the base64 credential after `Authorization: Basic `.")
    L.append("- `PKCS`, `OPENSSH_PRIVATE_KEY`, `PGP_PRIVATE_KEY`: from the `-----BEGIN` line through the `-----END ...-----`")
    L.append("  line, including any indentation of a YAML block scalar or the literal `\\n` escapes of a JSON string.")
    L.append("- `PUTTY_PRIVATE_KEY`: from the `PuTTY-User-Key-File-N:` line through the `Private-MAC:` line.")
    L.append("- `GOOGLE_SERVICE_ACCOUNT_KEY`: the 40-hex `private_key_id` value of a service-account key; the same")
    L.append("  key's `private_key` is labeled `PKCS` and its `client_email` `EMAIL_ADDRESS`.")
    L.append("- `AWS_CREDENTIALS`: the 40-character secret access key, always next to an AWS secret keyword;")
    L.append("  the access key id next to it is a separate `AWS_ACCESS_KEY_ID` label.")
    L.append("- `CREDIT_CARD_MAGNETIC_STRIPE`: the whole track (`%B...?` or `;...?`); the PAN inside it is not labeled")
    L.append("  again as a card number.")
    L.append("- `CREDIT_CARD_NUMBER` has a card keyword (card, credit, visa, amex, cc, pan, payment, ...) within 30")
    L.append("  characters or in its column / JSON key; `CREDIT_CARD_NUMBER_(NO_KEYWORD)` has none. Issuer test numbers")
    L.append("  are never positives.")
    L.append("- Phone numbers: with a country code they need no keyword; without one they always have a phone keyword")
    L.append("  within 30 characters or in the column / key name. `IP_ADDRESS` is labeled only next to an IP keyword")
    L.append("  (ip, client_ip, remote_addr, X-Forwarded-For, ...) and only for public addresses.")
    L.append("- IBANs of the 52 countries Macie supports are typed `<COUNTRY>_BANK_ACCOUNT_NUMBER` (table `IBAN_TYPES`")
    L.append("  in the generator); they need no keyword. Countries with national mod-97 check digits (BA, ME, MK, MR,")
    L.append("  PT, RS, SI, TL, TN) get them, so their IBAN check digits are the constant real ones; FR/MC RIB keys and")
    L.append("  ES control digits are computed too.")
    L.append("")
    L.append("## Positives per type (%d in total)" % sum(tc.values()))
    L.append("")
    L.append("| type | count |")
    L.append("|---|---:|")
    for t, n in sorted(tc.items()):
        L.append("| `%s` | %d |" % (t, n))
    L.append("")
    L.append("## Hard negatives per kind (%d in total)" % sum(nc.values()))
    L.append("")
    L.append("| kind | count | what |")
    L.append("|---|---:|---|")
    for k, n in sorted(nc.items()):
        L.append("| `%s` | %d | %s |" % (k, n, NEG_DESCRIPTIONS.get(k, "")))
    L.append("")
    with open(os.path.join(OUT, "README.md"), "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(L))


def main():
    gen_prose()
    gen_exports()
    gen_json()
    gen_logs()
    gen_config()
    gen_source()
    gen_keys()
    gen_extra()
    errors = self_check()
    if errors:
        for e in errors[:200]:
            print("SELF-CHECK:", e, file=sys.stderr)
        print("%d self-check errors" % len(errors), file=sys.stderr)
        sys.exit(1)
    truth, negs, total = write_all()
    tc = Counter(t["type"] for t in truth)
    nc = Counter(n["kind"] for n in negs)
    with open(os.path.join(OUT, "ground-truth.jsonl"), "w", encoding="utf-8", newline="\n") as f:
        for t in truth:
            f.write(json.dumps(t, ensure_ascii=False) + "\n")
    with open(os.path.join(OUT, "hard-negatives.jsonl"), "w", encoding="utf-8", newline="\n") as f:
        for n in negs:
            f.write(json.dumps(n, ensure_ascii=False) + "\n")
    write_readme(tc, nc, len(DOCS), total)
    print("files: %d (+ ground-truth.jsonl, hard-negatives.jsonl, README.md), %d bytes" % (len(DOCS), total))
    print("positives: %d in %d types; hard negatives: %d in %d kinds" % (sum(tc.values()), len(tc), sum(nc.values()), len(nc)))
    for t, n in sorted(tc.items()):
        print("  %-45s %5d" % (t, n))
    print("hard negatives:")
    for k, n in sorted(nc.items()):
        print("  %-45s %5d" % (k, n))


if __name__ == "__main__":
    main()
