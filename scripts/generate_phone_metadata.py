#!/usr/bin/env python3
"""Generate the phone-number metadata and test vectors used by SwiftChatCore.

The Swift implementation in Sources/SwiftChatCore/Phone/ re-implements the
parts of Google's libphonenumber that the chat backend needs:

    n = phonenumbers.parse(text, None)          # no default region
    ok = phonenumbers.is_valid_number(n)
    e164 = phonenumbers.format_number(n, PhoneNumberFormat.E164)

It contains no country rules of its own. Everything country specific (calling
codes, the regions sharing a code, national prefixes, number patterns and
lengths) and the library's own parsing expressions (viable-number and
extension patterns, keypad letters) is read here from the `phonenumbers` PyPI
package (the Python port of libphonenumber) and written out as Swift source:

  Sources/SwiftChatCore/Phone/PhoneMetadata.generated.swift
      One raw string literal holding compact JSON, one territory per line,
      decoded lazily the first time a number is parsed.

  Tests/SwiftChatTests/PhoneVectors.generated.swift
      Input strings with the answer phonenumbers gives for each of them
      (E.164 string, or null when parsing fails or the number is invalid).

Usage (from anywhere):

    python3 -m pip install phonenumbers==8.13.43
    python3 scripts/generate_phone_metadata.py

The output is deterministic: running it twice gives identical files.
"""

import argparse
import json
import random
import sys
import unicodedata
from pathlib import Path

try:
    import phonenumbers
    from phonenumbers import PhoneMetadata, PhoneNumberFormat, PhoneNumberType
    from phonenumbers import phonenumberutil as pnu
except ImportError:  # pragma: no cover
    sys.exit("phonenumbers is not installed: python3 -m pip install phonenumbers==8.13.43")

# The version the original (Django) application used. Regenerating from a
# different version is allowed with --allow-other-version, and the header of
# the generated files always records the version actually used.
EXPECTED_VERSION = "8.13.43"

ROOT = Path(__file__).resolve().parent.parent
METADATA_OUT = ROOT / "Sources" / "SwiftChatCore" / "Phone" / "PhoneMetadata.generated.swift"
VECTORS_OUT = ROOT / "Tests" / "SwiftChatTests" / "PhoneVectors.generated.swift"

# PhoneMetadata attribute -> key in the generated JSON. Only the number types
# matter for validity (any of them matching makes a number valid).
TYPE_FIELDS = [
    ("fixed_line", "fixedLine"),
    ("mobile", "mobile"),
    ("toll_free", "tollFree"),
    ("premium_rate", "premiumRate"),
    ("shared_cost", "sharedCost"),
    ("personal_number", "personalNumber"),
    ("voip", "voip"),
    ("pager", "pager"),
    ("uan", "uan"),
    ("voicemail", "voicemail"),
]

SEED = 20240815


# --------------------------------------------------------------------------
# Metadata
# --------------------------------------------------------------------------

def desc_json(desc):
    """A PhoneNumberDesc as {"p": pattern, "l": lengths, "o": local-only lengths}."""
    if desc is None:
        return None
    out = {"p": desc.national_number_pattern, "l": list(desc.possible_length)}
    if desc.possible_length_local_only:
        out["o"] = list(desc.possible_length_local_only)
    return out


def check_transform_rule(m):
    """The Swift side expands transform rules itself; they must be digits and \\N only."""
    rule = m.national_prefix_transform_rule
    if not rule:
        return
    i = 0
    while i < len(rule):
        c = rule[i]
        if c == "\\":
            if i + 1 >= len(rule) or not rule[i + 1].isdigit() or not rule[i + 1].isascii():
                raise SystemExit("unsupported transform rule %r for %s" % (rule, m.id))
            i += 2
        elif c.isascii() and c.isdigit():
            i += 1
        else:
            raise SystemExit("unsupported transform rule %r for %s" % (rule, m.id))


def territory_json(m, is_main):
    check_transform_rule(m)
    out = {
        "id": m.id,
        "cc": m.country_code,
        "main": bool(is_main),
        "ld": m.leading_digits,
        "npp": m.national_prefix_for_parsing or None,
        "npt": m.national_prefix_transform_rule or None,
        "g": desc_json(m.general_desc),
        "t": {},
    }
    for attr, key in TYPE_FIELDS:
        d = desc_json(getattr(m, attr))
        if d is not None:
            out["t"][key] = d
    return out


def build_metadata():
    territories = []
    codes = []
    for cc in sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE):
        regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE[cc]
        codes.append([cc, list(regions)])
        for index, region in enumerate(regions):
            m = PhoneMetadata.metadata_for_region_or_calling_code(cc, region)
            if m is None:
                raise SystemExit("no metadata for %s (+%d)" % (region, cc))
            if m.country_code != cc:
                raise SystemExit("country code mismatch for %s" % region)
            if m.general_desc is None or not m.general_desc.possible_length:
                # _test_number_length would raise IndexError in phonenumbers.
                raise SystemExit("general_desc without possible lengths for %s" % region)
            # parse() uses the first region of the list for national prefix
            # stripping; the list is documented to start with the main country.
            is_main = (index == 0)
            if len(regions) > 1 and m.main_country_for_code != is_main:
                raise SystemExit("main_country_for_code disagrees with list order for %s" % region)
            territories.append(territory_json(m, is_main))

    u = pnu
    return {
        "version": phonenumbers.__version__,
        # Constants of libphonenumber's parser.
        "minNSN": u._MIN_LENGTH_FOR_NSN,
        "maxNSN": u._MAX_LENGTH_FOR_NSN,
        "maxCC": u._MAX_LENGTH_COUNTRY_CODE,
        "maxInput": u._MAX_INPUT_STRING_LENGTH,
        "plusChars": u._PLUS_CHARS,
        # phonenumbers classifies characters (digits, letters, unassigned
        # code points) with the Unicode database of the Python it runs on.
        "unicodeVersion": unicodedata.unidata_version,
        "alpha": "".join(sorted(u._ALPHA_MAPPINGS)),
        "alphaDigits": "".join(u._ALPHA_MAPPINGS[k] for k in sorted(u._ALPHA_MAPPINGS)),
        # Expressions used by parse(); the first two are case-insensitive.
        "validPhone": u._VALID_PHONE_NUMBER_PATTERN.pattern,
        "extension": u._EXTN_PATTERN.pattern,
        "rfcGlobal": u._RFC3966_GLOBAL_NUMBER_DIGITS_PATTERN.pattern,
        "rfcDomain": u._RFC3966_DOMAINNAME_PATTERN.pattern,
        "codes": codes,
        "territories": territories,
    }


def dumps(value):
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"), sort_keys=False)


def metadata_json_text(md):
    """Compact JSON with one territory (and one calling code list) per line."""
    head = {k: v for k, v in md.items() if k not in ("codes", "territories")}
    lines = ["{"]
    for k, v in head.items():
        lines.append("%s:%s," % (dumps(k), dumps(v)))
    lines.append('"codes":[')
    lines.append(",\n".join(dumps(c) for c in md["codes"]))
    lines.append('],"territories":[')
    lines.append(",\n".join(dumps(t) for t in md["territories"]))
    lines.append("]}")
    text = "\n".join(lines)
    json.loads(text)  # sanity check
    return text


def raw_string_literal(text):
    """A Swift raw multi-line string literal that reproduces `text` exactly."""
    hashes = 1
    while ("\\" + "#" * hashes) in text or ('"""' + "#" * hashes) in text:
        hashes += 1
    h = "#" * hashes
    return '%s"""\n%s\n"""%s' % (h, text, h)


def header(what):
    return (
        "// GENERATED FILE - DO NOT EDIT.\n"
        "// %s\n"
        "// Generated by scripts/generate_phone_metadata.py from phonenumbers %s\n"
        "// (the Python port of Google's libphonenumber). Re-run the script to update.\n"
        % (what, phonenumbers.__version__)
    )


def write_metadata(md):
    text = metadata_json_text(md)
    src = header("libphonenumber metadata used by PhoneNumber(parsing:).")
    src += "\n"
    src += "enum GeneratedPhoneMetadata {\n"
    src += "    static let phonenumbersVersion = %s\n" % dumps(phonenumbers.__version__)
    src += "\n"
    src += "    /// Compact JSON, decoded once on first use (see PhoneMetadata.swift).\n"
    src += "    static let json = " + raw_string_literal(text) + "\n"
    src += "}\n"
    METADATA_OUT.parent.mkdir(parents=True, exist_ok=True)
    METADATA_OUT.write_text(src, encoding="utf-8")
    return len(src)


# --------------------------------------------------------------------------
# Test vectors
# --------------------------------------------------------------------------

def expected(text):
    """What the original application accepts: E.164 string or None."""
    try:
        n = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(n):
        return None
    return phonenumbers.format_number(n, PhoneNumberFormat.E164)


# Punctuation libphonenumber strips inside a number (a selection of it).
SEPARATORS = [" ", "-", ".", "/", "(", ")", "\u00a0", "\u2010", "\u2013", "\u2212",
              "\u30fc", "\uff0d", "\u3000", "[", "]", "~", "\u200b", "\u00ad"]

# Inputs written by hand: the cases the application relies on and edge cases
# of the parser (no '+', extensions, RFC 3966, Unicode digits, letters, ...).
SPECIAL_INPUTS = [
    # The application's known numbers.
    "+91720977989", "+917809772989", "+917909772989", "+918744964282",
    "+918474964282", "+911234567891", "+917209779890", "+91 98123 00003",
    "+919812300003", "+91 72097 79890", "+91 720977989", "+91 7209779899",
    # Empty, blanks and lone signs.
    "", " ", "+", "++", "+ ", " + ", "+-", "+()", "+91", "+9", "+91 ", "+ 91", "+00",
    "+0", "+01 234 567", "+1", "+12", "+123", "+999 123 456", "+969 123 456",
    "+800", "+80012345678", "+800 1234 5678",
    # Without the international '+'.
    "91 98123 00003", "919812300003", "0091 98123 00003", "098123 00003",
    "9812300003", "(0) 98123 00003", "0044 20 7946 0000", "011 44 20 7946 0000",
    "1 650 253 0000",
    # Separators.
    "+91-98123-00003", "+91 (981) 230-0003", "+91.98123.00003", "+91/98123/00003",
    "(+91) 98123 00003", " +91 98123 00003 ", "\t+91 98123 00003\n", "+91\t98123\t00003",
    "+91--98123--00003", "+91 98123 00003.", "+91 98123 00003,", "+91 98123 00003;",
    "+91 98123 00003!!!", "+91 98123 00003_", "+91 98123_00003", "+91_98123_00003",
    "+91 98123 00003\u0301", "+91\u00a098123\u00a000003", "+91\u200b9812300003",
    "+91\u201398123\u201300003", "+91\u201498123\u201400003", "+91\u30fc98123", "+91 98123 \u00ad00003",
    "+91 98123 00003 / x 12", "+91 98123 00003/x12", "+91 98123 00003 \\ x12",
    "+91 98123 00003 / X12", "+91 (98123) (00003)", "+91 [98123] 00003",
    "+91 98123 00003 ", "+(91) 98123 00003", "+ 9 1 9 8 1 2 3 0 0 0 0 3",
    "++91 98123 00003", "+++91 98123 00003", "+\uff0b91 98123 00003", "\uff0b91 98123 00003",
    "+91 98123 00003 +1", "+91 98123 +00003", "+91 98123 00003*", "+91*98123*00003",
    "*+91 98123 00003", "#+91 98123 00003", "+91 98123 00003#", "+91 98123 00003 ##",
    # Unicode digits.
    "\uff0b\uff19\uff11 \uff19\uff18\uff11\uff12\uff13 \uff10\uff10\uff10\uff10\uff13",
    "+\u0669\u0661 \u0669\u0668\u0661\u0662\u0663 \u0660\u0660\u0660\u0660\u0663",
    "+\u06f9\u06f1 \u06f9\u06f8\u06f1\u06f2\u06f3 \u06f0\u06f0\u06f0\u06f0\u06f3",
    "+\u096f\u0967 \u096f\u096e\u0967\u0968\u0969 \u0966\u0966\u0966\u0966\u0969",
    "+91 \U0001d7ff\U0001d7f8\U0001d7f1 23 00003", "+91 \u00b29812300003", "+91 9812300003\u00b2",
    "+91 \u2460\u2461\u2462", "+\uff19\uff11 98123 00003",
    # Code points unassigned in older Unicode versions (Kawi digit, Unicode 15;
    # Nag Mundari digit, Unicode 15; Egyptian hieroglyph, Unicode 16).
    "+91 98123 \U00011f5000003", "\U00011f50+91 98123 00003", "+91 98123 00003 \U0001e4f0",
    "+91 98123 00003\U00013460", "+91 98123 00003\U00013460 ", "\U0001e4f0+91 98123 00003",
    "tel:9812300003;phone-context=a\U0001e4f0.com", "tel:+919812300003;phone-context=ab.c\u0967m",
    # Leading and trailing text.
    "Tel: +91 98123 00003", "phone: +44 20 7946 0000", "call +1 650 253 0000 now",
    "abc+91 98123 00003", "+91 98123 00003 (mobile)", "+91 98123 00003 mobile",
    "my number is 91 98123 00003", "x+91 98123 00003", "\u0661+91 98123 00003",
    # Letters inside the number (vanity numbers are converted by phonenumbers).
    "+91 98123 0000a", "+91 98123 ABCDE", "+91 9812 ab 0003", "+91 98abc300003",
    "+1 800 FLOWERS", "+1-800-GOT-JUNK", "+1 800 flowers", "+1 800 FLOWER", "+1 800 FL0WERS",
    "+1 800 MICROSOFT", "+44 800 FLOWERS", "+1 800 FLOWERS ext 12",
    "+1 800 \u0131\u0131\u0131\u0131\u0131\u0131\u0131", "+1 800 FLOWER\u017f",
    "+1 800 \u017f\u017f\u017f\u017f\u017f\u017f\u017f", "+1 650 253 0000 \u212a",
    "+1 650 253 00\u212a\u212a", "+1 650 253 \u0130\u0130\u0130\u0130",
    "+1 650 ABC \uff11\uff12\uff13\uff14", "+1 650 253 \u00df\u00df",
    # Extensions (dropped by E.164 formatting).
    "+44 20 7946 0000 ext. 123", "+1 650 253 0000 x123", "+1 650 253 0000;ext=123",
    "+1 650 253 0000 #123", "+1 650 253 0000 ext 12345678901234567890",
    "+1 650 253 0000 ext 123456789012345678901", "+1 650 253 0000 - 503#",
    "+1 650 253 0000,,123", "+1 650 253 0000;123", "+1 650 253 0000,123",
    "+1 650 253 0000 extension 7", "+1 650 253 0000 EXT 7", "+1 650 253 0000 X7",
    "+1 650 253 0000 extensi\u00f3n 7", "+1 650 253 0000 extensio\u0301n 7",
    "+1 650 253 0000 \uff45\uff58\uff54\uff4e 7", "+1 650 253 0000 \u0434\u043e\u0431 7",
    "+1 650 253 0000 anexo 7", "+1 650 253 0000 int 7", "+1 650 253 0000 ~7",
    "+1 650 253 0000 \uff03 7", "+1 650 253 0000 x 1234567890", "+44 ext 123",
    "+1 ext 1234567", "+12 ext. 3456789", "+123 x 4567890", "+1 650 253 0000 \u0414\u041e\u0411 7",
    "+91 98123 00003 x", "+91 98123 00003 ext", "+91 98123 00003 ext.",
    # RFC 3966.
    "tel:+1-650-253-0000", "tel:253-0000;phone-context=+1-650",
    "tel:+1-650-253-0000;isub=12345", "tel:253-0000;phone-context=example.com",
    "tel:253-0000;phone-context=", "tel:253-0000;phone-context=+", "tel:253-0000;phone-context=+1-",
    "tel:+44-20-7946-0000;ext=123", "tel:+91-98123-00003;phone-context=+91",
    "tel:98123-00003;phone-context=+91", "tel:98123-00003;phone-context=+91;foo=bar",
    "98123-00003;phone-context=+91", ";phone-context=+919812300003",
    "tel:98123-00003;phone-context=+9a1", "tel:98123-00003;phone-context=a.b-c.com",
    "tel:98123-00003;phone-context=1.com", "tel:+91 98123 00003;isub=1;phone-context=+91",
    "TEL:+91-98123-00003", "tel:+919812300003;", "tel:+919812300003;isub=",
    "tel:abc;phone-context=+91", "tel:;phone-context=+919812300003",
    "tel:9812300003;phone-context=+(91)", "tel:9812300003;phone-context=+9-1.",
    # National prefixes and leading zeros written after the country code.
    "+44 (0) 20 7946 0000", "+44 020 7946 0000", "+44 0 20 7946 0000", "+44 00 20 7946 0000",
    "+39 06 698 1", "+39 06 6988 1234", "+39 333 123 4567", "+39 0333 123 4567",
    "+39 000 000", "+39 00 0000 0000", "+54 9 11 1234 5678", "+54 11 1234 5678",
    "+54 011 15 1234 5678", "+54 0 11 15 1234 5678", "+54 0 223 15 123 4567",
    "+55 11 91234 5678", "+55 0 11 91234 5678", "+55 0 21 11 91234 5678",
    "+55 90 21 11 91234 5678", "+52 1 55 1234 5678", "+52 55 1234 5678",
    "+1 1 650 253 0000", "+1 650 253 0000", "+1 253 0000", "+1 1 253 0000",
    "+1 268 464 1234", "+1 464 1234", "+1 1 464 1234",
    "+7 8 495 123 4567", "+7 495 123 4567", "+7 700 123 4567", "+7 8 700 123 4567",
    "+33 0 1 23 45 67 89", "+33 1 23 45 67 89", "+49 0 30 123456", "+49 30 123456",
    "+81 0 3 1234 5678", "+81 3 1234 5678", "+81 0037 68 0 3 1234 5678", "+81 00777012",
    "+81 0009 1234 5678", "+241 0 11 123456", "+241 011 123456", "+241 06 123456",
    "+241 07 41 23 45", "+261 20 22 123 45", "+261 0 20 22 123 45", "+261 22 123 45",
    "+378 0549 123456", "+378 123456", "+378 0549 886377", "+378 886377",
    "+672 3 12345", "+672 12345", "+672 0 12345", "+61 0 4 1234 5678", "+61 8 9162 1234",
    "+61 9162 1234", "+44 1481 256789", "+44 256789", "+44 0 256789",
    # Length limits.
    "+91" + "9" * 300, "+91 " + "1" * 20, "+" + "1" * 17, "+1" + "2" * 17, "+1" + "2" * 16,
    "+1" + "2" * 15, "+49" + "1" * 17, "+49" + "1" * 18, "+49" + "1" * 16, "+49 1234 56789 01234",
    "+" + "9" * 249, "+" + "9" * 250, "+" + " " * 245 + "9198123", "+91 98123 00003" + " " * 240,
    "+91 98123 00003" + " " * 234, "+91 98123 00003" + " " * 235,
    "+979 1234 5678", "+870 773 111 632", "+882 1234 5678", "+883 5100 1234 5678",
    "+888 123 456 789", "+808 1234 5678", "+878 10 123 456 78901",
]


def international(n):
    return phonenumbers.format_number(n, PhoneNumberFormat.INTERNATIONAL)


def example_numbers():
    """(region, number) for every region and number type phonenumbers has an example of."""
    types = [t for t in PhoneNumberType.values()
             if t not in (PhoneNumberType.FIXED_LINE_OR_MOBILE, PhoneNumberType.UNKNOWN)]
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for t in types:
            n = phonenumbers.example_number_for_type(region, t)
            if n is not None:
                yield region, n
    for cc in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        m = PhoneMetadata.metadata_for_nongeo_region(cc)
        for attr, _ in TYPE_FIELDS:
            d = getattr(m, attr)
            if d is not None and d.example_number:
                yield "001", phonenumbers.parse("+%d%s" % (cc, d.example_number), None)


def scatter_separators(rng, digits):
    out = []
    for c in digits:
        out.append(c)
        if rng.random() < 0.3:
            out.append(rng.choice(SEPARATORS))
    return "".join(out)


def random_character(rng):
    """Any code point but a surrogate, mostly from the BMP."""
    while True:
        r = rng.random()
        if r < 0.5:
            c = rng.randrange(0x20, 0x3000)
        elif r < 0.8:
            c = rng.randrange(0x3000, 0x10000)
        else:
            c = rng.randrange(0x10000, 0x30000)
        if not 0xD800 <= c <= 0xDFFF:
            return chr(c)


def build_vectors():
    rng = random.Random(SEED)
    inputs = []
    seen = set()

    def add(text):
        if text not in seen:
            seen.add(text)
            inputs.append(text)

    for text in SPECIAL_INPUTS:
        add(text)

    for region, n in example_numbers():
        cc = n.country_code
        nsn = phonenumbers.national_significant_number(n)
        add(international(n))                       # "+91 81234 56789"
        national = phonenumbers.format_number(n, PhoneNumberFormat.NATIONAL)
        add("+%d %s" % (cc, national))               # national prefix after the code
        # Mutations of the national significant number.
        if len(nsn) > 1:
            add("+%d %s" % (cc, nsn[:-1]))            # one digit short
        add("+%d %s%d" % (cc, nsn, rng.randrange(10)))  # one digit too many
        first = str((int(nsn[0]) + rng.randrange(1, 10)) % 10)
        add("+%d%s" % (cc, first + nsn[1:]))          # another leading digit
        # Another formatting of the same number.
        choice = rng.randrange(4)
        if choice == 0:
            add("+%d-%s" % (cc, scatter_separators(rng, nsn)))
        elif choice == 1:
            add("(+%d) %s" % (cc, scatter_separators(rng, nsn)))
        elif choice == 2:
            add("%d %s" % (cc, nsn))                  # missing '+'
        else:
            add("+%d%s" % (cc, "".join(rng.choice("0123456789") if rng.random() < 0.2 else c for c in nsn)))

    # Random digit strings after every calling code.
    for cc in sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE):
        for _ in range(4):
            length = rng.randrange(1, 19)
            add("+%d%s" % (cc, "".join(rng.choice("0123456789") for _ in range(length))))
        # Random numbers of a plausible length starting like the main region's example.
        m = PhoneMetadata.metadata_for_region_or_calling_code(
            cc, phonenumbers.COUNTRY_CODE_TO_REGION_CODE[cc][0])
        ex = m.general_desc.example_number or (m.fixed_line and m.fixed_line.example_number) \
            or (m.mobile and m.mobile.example_number)
        if ex:
            for _ in range(3):
                keep = rng.randrange(1, len(ex) + 1)
                add("+%d %s%s" % (cc, ex[:keep], "".join(rng.choice("0123456789") for _ in range(len(ex) - keep))))

    # Random strings with no valid country code, letters and noise.
    for _ in range(120):
        length = rng.randrange(0, 25)
        alphabet = "0123456789+ -().abcXYZ/#*;x"
        add("".join(rng.choice(alphabet) for _ in range(length)))
    for _ in range(60):
        add("+%d%s" % (rng.randrange(0, 1000), "".join(rng.choice("0123456789") for _ in range(rng.randrange(0, 20)))))

    # Valid numbers surrounded by, or sprinkled with, arbitrary characters.
    examples = [n for _, n in example_numbers()]
    for _ in range(150):
        n = rng.choice(examples)
        text = list(international(n) if rng.random() < 0.5 else phonenumbers.format_number(n, PhoneNumberFormat.E164))
        for _ in range(rng.randrange(1, 3)):
            text.insert(rng.randrange(len(text) + 1), random_character(rng))
        add("".join(text))
    for _ in range(100):
        n = rng.choice(examples)
        before = "".join(random_character(rng) for _ in range(rng.randrange(0, 6)))
        after = "".join(random_character(rng) for _ in range(rng.randrange(0, 6)))
        add(before + international(n) + after)

    vectors = [(text, expected(text)) for text in inputs]
    return vectors


def write_vectors(vectors):
    lines = ",\n".join(dumps([text, e164]) for text, e164 in vectors)
    text = "[\n" + lines + "\n]"
    json.loads(text)
    valid = sum(1 for _, e in vectors if e is not None)
    src = header("Test vectors: input -> E.164 (or null when phonenumbers rejects it).")
    src += "// %d vectors, %d of them valid.\n" % (len(vectors), valid)
    src += "\n"
    src += "enum PhoneVectors {\n"
    src += "    static let phonenumbersVersion = %s\n" % dumps(phonenumbers.__version__)
    src += "\n"
    src += "    /// JSON array of [input, expected E.164 or null].\n"
    src += "    static let json = " + raw_string_literal(text) + "\n"
    src += "}\n"
    VECTORS_OUT.parent.mkdir(parents=True, exist_ok=True)
    VECTORS_OUT.write_text(src, encoding="utf-8")
    return len(vectors), valid


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--allow-other-version", action="store_true",
                    help="generate even if phonenumbers is not %s" % EXPECTED_VERSION)
    args = ap.parse_args()
    if phonenumbers.__version__ != EXPECTED_VERSION and not args.allow_other_version:
        sys.exit("phonenumbers %s is installed but %s is expected "
                 "(python3 -m pip install phonenumbers==%s, or pass --allow-other-version)"
                 % (phonenumbers.__version__, EXPECTED_VERSION, EXPECTED_VERSION))
    md = build_metadata()
    size = write_metadata(md)
    count, valid = write_vectors(build_vectors())
    print("phonenumbers %s: %d territories, %d calling codes" % (
        phonenumbers.__version__, len(md["territories"]), len(md["codes"])))
    print("wrote %s (%d bytes)" % (METADATA_OUT.relative_to(ROOT), size))
    print("wrote %s (%d vectors, %d valid)" % (VECTORS_OUT.relative_to(ROOT), count, valid))


if __name__ == "__main__":
    main()
