#!/usr/bin/env python3
"""Generates patterns/financial/iban.toml: one rule per IBAN country that Amazon
Macie has a managed data identifier for, plus the keyword-gated BBAN rules
Macie has for France, Germany, Italy, Spain and the UK.

Deterministic: the synthetic examples come from a seeded RNG and mod-97, so
running it twice gives the same file. Run from the repository root:

    python3 tools/gen_iban_rules.py            # writes patterns/financial/iban.toml
    python3 tools/gen_iban_rules.py --check    # exits 1 if the file is stale
"""

import random
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "patterns" / "financial" / "iban.toml"

# country code -> (Macie managed data identifier ID, country name, BBAN structure
# in SWIFT IBAN registry notation, registry example IBAN or None).
# n = digits, a = upper-case letters, c = upper-case letters or digits.
# The IBAN length is 4 + the BBAN length; the table below is checked against
# the lengths in LENGTHS.
COUNTRIES = {
    "AL": ("ALBANIA_BANK_ACCOUNT_NUMBER", "Albania", "8!n16!c", "AL47212110090000000235698741"),
    "AD": ("ANDORRA_BANK_ACCOUNT_NUMBER", "Andorra", "4!n4!n12!c", "AD1200012030200359100100"),
    "BA": ("BOSNIA_AND_HERZEGOVINA_BANK_ACCOUNT_NUMBER", "Bosnia and Herzegovina", "3!n3!n8!n2!n", "BA391290079401028494"),
    "BR": ("BRAZIL_BANK_ACCOUNT_NUMBER", "Brazil", "8!n5!n10!n1!a1!c", "BR1800360305000010009795493C1"),
    "BG": ("BULGARIA_BANK_ACCOUNT_NUMBER", "Bulgaria", "4!a4!n2!n8!c", "BG80BNBG96611020345678"),
    "CR": ("COSTA_RICA_BANK_ACCOUNT_NUMBER", "Costa Rica", "4!n14!n", "CR05015202001026284066"),
    "HR": ("CROATIA_BANK_ACCOUNT_NUMBER", "Croatia", "7!n10!n", "HR1210010051863000160"),
    "CY": ("CYPRUS_BANK_ACCOUNT_NUMBER", "Cyprus", "3!n5!n16!c", "CY17002001280000001200527600"),
    "CZ": ("CZECH_REPUBLIC_BANK_ACCOUNT_NUMBER", "Czech Republic", "4!n6!n10!n", "CZ6508000000192000145399"),
    "DK": ("DENMARK_BANK_ACCOUNT_NUMBER", "Denmark", "4!n9!n1!n", "DK5000400440116243"),
    "DO": ("DOMINICAN_REPUBLIC_BANK_ACCOUNT_NUMBER", "Dominican Republic", "4!c20!n", "DO28BAGR00000001212453611324"),
    "EG": ("EGYPT_BANK_ACCOUNT_NUMBER", "Egypt", "4!n4!n17!n", "EG380019000500000000263180002"),
    "EE": ("ESTONIA_BANK_ACCOUNT_NUMBER", "Estonia", "2!n2!n11!n1!n", "EE382200221020145685"),
    "FO": ("FAROE_ISLANDS_BANK_ACCOUNT_NUMBER", "Faroe Islands", "4!n9!n1!n", "FO6264600001631634"),
    "FI": ("FINLAND_BANK_ACCOUNT_NUMBER", "Finland", "3!n11!n", "FI2112345600000785"),
    "FR": ("FRANCE_BANK_ACCOUNT_NUMBER", "France", "5!n5!n11!c2!n", "FR1420041010050500013M02606"),
    "GE": ("GEORGIA_BANK_ACCOUNT_NUMBER", "Georgia", "2!a16!n", "GE29NB0000000101904917"),
    "DE": ("GERMANY_BANK_ACCOUNT_NUMBER", "Germany", "8!n10!n", "DE89370400440532013000"),
    "GR": ("GREECE_BANK_ACCOUNT_NUMBER", "Greece", "3!n4!n16!c", "GR1601101250000000012300695"),
    "GL": ("GREENLAND_BANK_ACCOUNT_NUMBER", "Greenland", "4!n9!n1!n", "GL8964710001000206"),
    "HU": ("HUNGARY_BANK_ACCOUNT_NUMBER", "Hungary", "3!n4!n1!n15!n1!n", "HU42117730161111101800000000"),
    "IS": ("ICELAND_BANK_ACCOUNT_NUMBER", "Iceland", "4!n2!n6!n10!n", "IS140159260076545510730339"),
    "IE": ("IRELAND_BANK_ACCOUNT_NUMBER", "Ireland", "4!a6!n8!n", "IE29AIBK93115212345678"),
    "IT": ("ITALY_BANK_ACCOUNT_NUMBER", "Italy", "1!a5!n5!n12!c", "IT60X0542811101000000123456"),
    "JO": ("JORDAN_BANK_ACCOUNT_NUMBER", "Jordan", "4!a4!n18!c", "JO94CBJO0010000000000131000302"),
    "XK": ("KOSOVO_BANK_ACCOUNT_NUMBER", "Kosovo", "4!n10!n2!n", "XK051212012345678906"),
    "LI": ("LIECHTENSTEIN_BANK_ACCOUNT_NUMBER", "Liechtenstein", "5!n12!c", "LI21088100002324013AA"),
    "LT": ("LITHUANIA_BANK_ACCOUNT_NUMBER", "Lithuania", "5!n11!n", "LT121000011101001000"),
    "MT": ("MALTA_BANK_ACCOUNT_NUMBER", "Malta", "4!a5!n18!c", "MT84MALT011000012345MTLCAST001S"),
    "MR": ("MAURITANIA_BANK_ACCOUNT_NUMBER", "Mauritania", "5!n5!n11!n2!n", "MR1300020001010000123456753"),
    "MU": ("MAURITIUS_BANK_ACCOUNT_NUMBER", "Mauritius", "4!a2!n2!n12!n3!n3!a", "MU17BOMM0101101030300200000MUR"),
    "MC": ("MONACO_BANK_ACCOUNT_NUMBER", "Monaco", "5!n5!n11!c2!n", "MC5811222000010123456789030"),
    "ME": ("MONTENEGRO_BANK_ACCOUNT_NUMBER", "Montenegro", "3!n13!n2!n", "ME25505000012345678951"),
    "NL": ("NETHERLANDS_BANK_ACCOUNT_NUMBER", "Netherlands", "4!a10!n", "NL91ABNA0417164300"),
    "MK": ("NORTH_MACEDONIA_BANK_ACCOUNT_NUMBER", "North Macedonia", "3!n10!c2!n", "MK07250120000058984"),
    "PL": ("POLAND_BANK_ACCOUNT_NUMBER", "Poland", "8!n16!n", "PL61109010140000071219812874"),
    "PT": ("PORTUGAL_BANK_ACCOUNT_NUMBER", "Portugal", "4!n4!n11!n2!n", "PT50000201231234567890154"),
    "SM": ("SAN_MARINO_BANK_ACCOUNT_NUMBER", "San Marino", "1!a5!n5!n12!c", "SM86U0322509800000000270100"),
    # Senegal (BCEAO): the bank code starts with the country letters (SN010...),
    # so the first two BBAN characters are alphanumeric.
    "SN": ("SENEGAL_BANK_ACCOUNT_NUMBER", "Senegal", "2!c22!n", None),
    "RS": ("SERBIA_BANK_ACCOUNT_NUMBER", "Serbia", "3!n13!n2!n", "RS35260005601001611379"),
    "SK": ("SLOVAKIA_BANK_ACCOUNT_NUMBER", "Slovakia", "4!n6!n10!n", "SK3112000000198742637541"),
    "SI": ("SLOVENIA_BANK_ACCOUNT_NUMBER", "Slovenia", "5!n8!n2!n", "SI56263300012039086"),
    "ES": ("SPAIN_BANK_ACCOUNT_NUMBER", "Spain", "4!n4!n1!n1!n10!n", "ES9121000418450200051332"),
    "SE": ("SWEDEN_BANK_ACCOUNT_NUMBER", "Sweden", "3!n16!n1!n", "SE4550000000058398257466"),
    "CH": ("SWITZERLAND_BANK_ACCOUNT_NUMBER", "Switzerland", "5!n12!c", "CH9300762011623852957"),
    "TL": ("TIMOR_LESTE_BANK_ACCOUNT_NUMBER", "Timor-Leste", "3!n14!n2!n", "TL380080012345678910157"),
    "TN": ("TUNISIA_BANK_ACCOUNT_NUMBER", "Tunisia", "2!n3!n13!n2!n", "TN5910006035183598478831"),
    "TR": ("TURKIYE_BANK_ACCOUNT_NUMBER", "Türkiye", "5!n1!n16!c", "TR330006100519786457841326"),
    "GB": ("UK_BANK_ACCOUNT_NUMBER", "United Kingdom", "4!a6!n8!n", "GB29NWBK60161331926819"),
    "UA": ("UKRAINE_BANK_ACCOUNT_NUMBER", "Ukraine", "6!n19!c", "UA213223130000026007233566001"),
    "AE": ("UNITED_ARAB_EMIRATES_BANK_ACCOUNT_NUMBER", "United Arab Emirates", "3!n16!n", "AE070331234567890123456"),
    "VG": ("VIRGIN_ISLANDS_BANK_ACCOUNT_NUMBER", "British Virgin Islands", "4!a16!n", "VG96VPVG0000012345678901"),
}

# Countries of the SWIFT IBAN registry that Macie has no managed data
# identifier for, named in the same style (not Macie types): their IBANs are
# found all the same (SEPA members among them).
EXTRA_COUNTRIES = {
    "AT": ("AUSTRIA_BANK_ACCOUNT_NUMBER", "Austria", "5!n11!n", "AT611904300234573201"),
    "AZ": ("AZERBAIJAN_BANK_ACCOUNT_NUMBER", "Azerbaijan", "4!a20!c", "AZ21NABZ00000000137010001944"),
    "BE": ("BELGIUM_BANK_ACCOUNT_NUMBER", "Belgium", "3!n7!n2!n", "BE68539007547034"),
    "BH": ("BAHRAIN_BANK_ACCOUNT_NUMBER", "Bahrain", "4!a14!c", "BH67BMAG00001299123456"),
    "GI": ("GIBRALTAR_BANK_ACCOUNT_NUMBER", "Gibraltar", "4!a15!c", "GI75NWBK000000007099453"),
    "GT": ("GUATEMALA_BANK_ACCOUNT_NUMBER", "Guatemala", "4!c20!c", "GT82TRAJ01020000001210029690"),
    "IL": ("ISRAEL_BANK_ACCOUNT_NUMBER", "Israel", "3!n3!n13!n", "IL620108000000099999999"),
    "KW": ("KUWAIT_BANK_ACCOUNT_NUMBER", "Kuwait", "4!a22!c", "KW81CBKU0000000000001234560101"),
    "KZ": ("KAZAKHSTAN_BANK_ACCOUNT_NUMBER", "Kazakhstan", "3!n13!c", "KZ86125KZT5004100100"),
    "LB": ("LEBANON_BANK_ACCOUNT_NUMBER", "Lebanon", "4!n20!c", "LB62099900000001001901229114"),
    "LU": ("LUXEMBOURG_BANK_ACCOUNT_NUMBER", "Luxembourg", "3!n13!c", "LU280019400644750000"),
    "LV": ("LATVIA_BANK_ACCOUNT_NUMBER", "Latvia", "4!a13!c", "LV80BANK0000435195001"),
    "MD": ("MOLDOVA_BANK_ACCOUNT_NUMBER", "Moldova", "2!c18!c", "MD24AG000225100013104168"),
    "NO": ("NORWAY_BANK_ACCOUNT_NUMBER", "Norway", "4!n6!n1!n", "NO9386011117947"),
    "PK": ("PAKISTAN_BANK_ACCOUNT_NUMBER", "Pakistan", "4!a16!c", "PK36SCBL0000001123456702"),
    "PS": ("PALESTINE_BANK_ACCOUNT_NUMBER", "Palestine", "4!a21!c", "PS92PALS000000000400123456702"),
    "QA": ("QATAR_BANK_ACCOUNT_NUMBER", "Qatar", "4!a21!c", "QA58DOHB00001234567890ABCDEFG"),
    "RO": ("ROMANIA_BANK_ACCOUNT_NUMBER", "Romania", "4!a16!c", "RO49AAAA1B31007593840000"),
    "SA": ("SAUDI_ARABIA_BANK_ACCOUNT_NUMBER", "Saudi Arabia", "2!n18!c", "SA0380000000608010167519"),
}

LENGTHS = {
    "AT": 20, "AZ": 28, "BE": 16, "BH": 22, "GI": 23, "GT": 28, "IL": 23, "KW": 30, "KZ": 20,
    "LB": 28, "LU": 20, "LV": 21, "MD": 24, "NO": 15, "PK": 24, "PS": 29, "QA": 29, "RO": 24, "SA": 24,
    "AL": 28, "AD": 24, "BA": 20, "BR": 29, "BG": 22, "CR": 22, "HR": 21, "CY": 28, "CZ": 24,
    "DK": 18, "DO": 28, "EG": 29, "EE": 20, "FO": 18, "FI": 18, "FR": 27, "GE": 22, "DE": 22,
    "GR": 27, "GL": 18, "HU": 28, "IS": 26, "IE": 22, "IT": 27, "JO": 30, "XK": 20, "LI": 21,
    "LT": 20, "MT": 31, "MR": 27, "MU": 30, "MC": 27, "ME": 22, "NL": 18, "MK": 19, "PL": 28,
    "PT": 25, "SM": 27, "SN": 28, "RS": 22, "SK": 24, "SI": 19, "ES": 24, "SE": 24, "CH": 21,
    "TL": 23, "TN": 24, "TR": 26, "GB": 22, "UA": 29, "AE": 23, "VG": 24,
}

GENERIC_KEYWORDS = [
    "iban", "bban", "bank account", "account number", "international bank account number",
    "customer account number", "customer bank account id", "sepa", "bic", "swift",
]

# Macie's keyword table for the BBAN identifiers (France, Germany, Italy, Spain, UK).
MACIE_BBAN_KEYWORDS = {
    "FR": ["account code", "account number", "accountno#", "accountnumber#", "bban", "code bancaire",
           "compte bancaire", "customer account id", "customer account number", "customer bank account id",
           "iban", "numéro de compte"],
    "DE": ["account code", "account number", "accountno#", "accountnumber#", "bankleitzahl", "bban",
           "customer account id", "customer account number", "customer bank account id", "geheimzahl", "iban",
           "kartennummer", "kontonummer", "kreditkartennummer", "sepa"],
    "IT": ["account code", "account number", "accountno#", "accountnumber#", "bban", "codice bancario",
           "conto bancario", "customer account id", "customer account number", "customer bank account id",
           "iban", "numero di conto"],
    "ES": ["account code", "account number", "accountno#", "accountnumber#", "bban", "código cuenta",
           "código cuenta bancaria", "cuenta cliente id", "customer account id", "customer account number",
           "customer bank account id", "iban", "número cuenta bancaria cliente", "número cuenta cliente"],
    "GB": ["account code", "account number", "accountno#", "accountnumber#", "bban", "customer account id",
           "customer account number", "customer bank account id", "iban", "sepa"],
}

# Domestic spellings of the BBAN that the chunked form does not cover.
BBAN_DOMESTIC = {
    # sort code and account number: 60-16-13 31926819
    "GB": r"\d{2}-\d{2}-\d{2}[\x20]?\d{8}",
    # RIB: banque guichet compte clé, 20041 01005 0500013M026 06
    "FR": r"\d{5}[\x20]\d{5}[\x20][A-Z0-9]{11}[\x20]\d{2}",
    # CIN ABI CAB conto: X 05428 11101 000000123456
    "IT": r"[A-Z][\x20]\d{5}[\x20]\d{5}[\x20][A-Z0-9]{12}",
    # CCC: entidad oficina DC cuenta, 2100 0418 45 0200051332
    "ES": r"\d{4}[\x20-]\d{4}[\x20-]\d{2}[\x20-]\d{10}",
    # Bankleitzahl and Kontonummer: 37040044 0532013000
    "DE": r"\d{8}[\x20]\d{10}",
}

PRIORITY_IBAN = 70
PRIORITY_BBAN = 15


def expand(fmt):
    """'4!a6!n' -> ['a','a','a','a','n',...]"""
    out = []
    for count, kind in re.findall(r"(\d+)!?([anc])", fmt):
        out.extend(kind * int(count))
    return out


CLASS = {"n": r"\d", "a": "[A-Z]", "c": "[A-Z0-9]"}


def run_regex(kinds):
    """Compresses a list of position kinds into a regex: nnnaa -> \\d{3}[A-Z]{2}."""
    parts = []
    i = 0
    while i < len(kinds):
        j = i
        while j < len(kinds) and kinds[j] == kinds[i]:
            j += 1
        n = j - i
        parts.append(CLASS[kinds[i]] + ("" if n == 1 else "{%d}" % n))
        i = j
    return "".join(parts)


def chunked_regex(kinds):
    """Groups of 4 characters, each group optionally preceded by a space or hyphen."""
    chunks = [kinds[i:i + 4] for i in range(0, len(kinds), 4)]
    return r"[\x20-]?".join(run_regex(c) for c in chunks)


def iban_regex(cc, bban_kinds):
    # The first group is the country code and the check digits.
    rest = chunked_regex(bban_kinds)
    return r"\b(" + cc + r"\d{2}[\x20-]?" + rest + r")\b"


def longest_digit_run(kinds):
    best = cur = 0
    for k in kinds:
        cur = cur + 1 if k == "n" else 0
        best = max(best, cur)
    return best


def check_digits(cc, bban):
    s = bban + cc + "00"
    n = int("".join(str(int(ch, 36)) for ch in s))
    return "%02d" % (98 - n % 97)


def valid(iban):
    s = iban.replace(" ", "").replace("-", "")
    r = s[4:] + s[:4]
    return int("".join(str(int(ch, 36)) for ch in r)) % 97 == 1


def random_bban(rng, kinds):
    out = []
    for k in kinds:
        if k == "n":
            out.append(rng.choice("0123456789"))
        elif k == "a":
            out.append(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        else:
            out.append(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" if rng.random() < 0.3 else "0123456789"))
    return "".join(out)


def group4(s, sep=" "):
    return sep.join(s[i:i + 4] for i in range(0, len(s), 4))


def toml_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def toml_list(items, indent="    "):
    if not items:
        return "[]"
    return "[\n" + "".join(indent + toml_str(i) + ",\n" for i in items) + "]"


def bad_check(iban):
    """The same IBAN with check digits that fail mod-97."""
    cc, ck, bban = iban[:2], int(iban[2:4]), iban[4:]
    for delta in (1, 2, 3, 4, 5):
        cand = cc + "%02d" % ((ck + delta) % 100) + bban
        if not valid(cand):
            return cand
    raise AssertionError(iban)


def iban_rule(rng, cc):
    macie = cc in COUNTRIES
    macie_id, name, fmt, registry_example = COUNTRIES[cc] if macie else EXTRA_COUNTRIES[cc]
    kinds = expand(fmt)
    assert 4 + len(kinds) == LENGTHS[cc], (cc, len(kinds))
    full = ["n", "n"] + kinds
    regex = iban_regex(cc, kinds)
    digits = longest_digit_run(full)
    ibans = []
    while len(ibans) < 3:
        bban = random_bban(rng, kinds)
        iban = cc + check_digits(cc, bban) + bban
        assert valid(iban)
        if iban != registry_example:
            ibans.append(iban)
    keywords = sorted(set(GENERIC_KEYWORDS + MACIE_BBAN_KEYWORDS.get(cc, [])))
    examples = [
        "IBAN: " + ibans[0],
        "Please pay to " + group4(ibans[1]) + " before Friday.",
        '{"beneficiary": "ACME Ltd", "account": "' + ibans[2] + '"}',
        "payee;" + ibans[1] + ";EUR",
    ]
    negatives = [
        "IBAN: " + bad_check(ibans[0]),
        "IBAN: " + group4(bad_check(ibans[1])),
        "IBAN: " + ibans[2][:-1],
        "iban=" + ibans[0] + "7",
    ]
    ignore = []
    if registry_example:
        assert valid(registry_example), registry_example
        ignore.append(registry_example)
        negatives.append("Example IBAN: " + group4(registry_example))
    lines = [
        "[[rule]]",
        f'id = "fin.iban.{cc.lower()}"',
        f'type = "{macie_id}"',
        f'name = "{name} IBAN"',
        'category = "FINANCIAL_INFORMATION"',
        f"regex = '''{regex}'''",
        "keywords = " + toml_list(keywords),
        f"digits = {digits}",
        'validator = "iban"',
        'confidence = "low"',
        f"priority = {PRIORITY_IBAN}",
        f"description = {toml_str(f'{name} International Bank Account Number ({LENGTHS[cc]} characters, BBAN {fmt}), compact or in groups of four separated by spaces or hyphens; mod-97 checked.' + ('' if macie else ' Not a Macie managed data identifier.'))}",
        ('references = ["https://www.swift.com/standards/data-standards/iban-international-bank-account-number", "https://docs.aws.amazon.com/macie/latest/user/mdis-reference-financial.html"]'
         if macie else 'references = ["https://www.swift.com/standards/data-standards/iban-international-bank-account-number"]'),
        "ignore_values = " + toml_list(ignore),
        "examples = " + toml_list(examples),
        "negative_examples = " + toml_list(negatives),
        "",
    ]
    return "\n".join(lines)


def bban_rule(rng, cc):
    macie_id, name, fmt, _ = COUNTRIES[cc]
    kinds = expand(fmt)
    alts = [chunked_regex(kinds)]
    if cc in BBAN_DOMESTIC:
        alts.append(BBAN_DOMESTIC[cc])
    regex = r"\b(" + "|".join(alts) + r")\b"
    # Every alternative keeps at least this many digits together.
    digits = {"GB": 14, "DE": 18, "FR": 10, "IT": 10, "ES": 20}[cc]
    keywords = sorted(k for k in MACIE_BBAN_KEYWORDS[cc] if k != "iban")
    b = [random_bban(rng, kinds) for _ in range(3)]
    domestic = {
        "GB": "%s-%s-%s %s" % (b[2][4:6], b[2][6:8], b[2][8:10], b[2][10:]),
        "FR": "%s %s %s %s" % (b[2][:5], b[2][5:10], b[2][10:21], b[2][21:]),
        "IT": "%s %s %s %s" % (b[2][:1], b[2][1:6], b[2][6:11], b[2][11:]),
        "ES": "%s %s %s %s" % (b[2][:4], b[2][4:8], b[2][8:10], b[2][10:]),
        "DE": "%s %s" % (b[2][:8], b[2][8:]),
    }[cc]
    kw = keywords[keywords.index("account number")] if "account number" in keywords else keywords[0]
    examples = [
        f"{kw}: {b[0]}",
        f"Customer account number {group4(b[1])} (BBAN)",
        f'"bban": "{domestic}"',
    ]
    negatives = [
        f"{kw}: {b[0][:-1]}",
        f"{kw}: {b[0]}0",
        f"{kw}: pending",
    ]
    if cc == "GB":
        negatives.append("account number: 60-16-13 3192681")
    else:
        negatives.append(f"{kw}: " + b[1][:6] + "-" + b[1][6:9])
    lines = [
        "[[rule]]",
        f'id = "fin.bban.{cc.lower()}"',
        f'type = "{macie_id}"',
        f'name = "{name} BBAN (domestic account number)"',
        'category = "FINANCIAL_INFORMATION"',
        f"regex = '''{regex}'''",
        "keywords = " + toml_list(keywords),
        "keyword_required = true",
        f"digits = {digits}",
        'confidence = "low"',
        f"priority = {PRIORITY_BBAN}",
        f"description = {toml_str(f'{name} Basic Bank Account Number ({fmt}) near a keyword, as Macie reports it under {macie_id}. Not checksummed; an IBAN that contains it is reported by fin.iban.{cc.lower()} instead.')}",
        'references = ["https://docs.aws.amazon.com/macie/latest/user/mdis-reference-financial.html"]',
        "examples = " + toml_list(examples),
        "negative_examples = " + toml_list(negatives),
        "",
    ]
    return "\n".join(lines)


def render():
    rng = random.Random(13616)
    assert len(COUNTRIES) == 52, len(COUNTRIES)
    head = (
        "# GENERATED by tools/gen_iban_rules.py: edit the script, not this file.\n"
        "#\n"
        "# One IBAN rule per country that Amazon Macie has a <COUNTRY>_BANK_ACCOUNT_NUMBER\n"
        "# managed data identifier for (no keyword needed, mod-97 validated), and the\n"
        "# keyword-gated BBAN rules Macie has for France, Germany, Italy, Spain and the UK,\n"
        "# then one IBAN rule per other country of the SWIFT registry that trawl covers\n"
        "# (types in Macie's naming style, not Macie types).\n\n"
    )
    body = [iban_rule(rng, cc) for cc in sorted(COUNTRIES, key=lambda c: COUNTRIES[c][0])]
    body += [bban_rule(rng, cc) for cc in ("FR", "DE", "IT", "ES", "GB")]
    body += [iban_rule(rng, cc) for cc in sorted(EXTRA_COUNTRIES, key=lambda c: EXTRA_COUNTRIES[c][0])]
    return head + "\n".join(body)


def main():
    text = render()
    if "--check" in sys.argv:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is stale: run python3 tools/gen_iban_rules.py", file=sys.stderr)
            sys.exit(1)
        return
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
