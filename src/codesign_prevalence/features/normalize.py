"""Normalisation for grouping: canonical signer names, folded paths, path classes, certificate status categories.

Every function here is a built-in Spark expression (no Python UDF). The raw columns are kept beside the
normalised ones.

Canonical signer (:func:`canonical_signer`)
    Lower case; invisible format characters (zero-width space, joiners, BOM) removed; every run of white
    space (Unicode), punctuation, symbols and control characters becomes one space; leading and trailing
    spaces go. ``"Microsoft Corporation "``, ``"microsoft  corporation"`` and ``"MICROSOFT CORPORATION."``
    are one signer. Legal suffixes are *kept*, so ``"Google LLC"`` and ``"Google Inc"`` stay two signers (a
    suffix is part of the legal name that a CA validated; folding it would merge a look-alike company into
    a famous one); only their punctuation is folded (``"Adobe Inc."`` = ``"Adobe Inc"``, ``"Amazon.com,
    Inc."`` -> ``"amazon com inc"``). A name that folds to nothing (null, empty, only punctuation) is null.

Path normalisation (:func:`normalized_path`)
    Lower case, ``/`` -> ``\\``, the ``\\\\?\\`` and ``\\??\\`` prefixes dropped, repeated backslashes
    collapsed; then folded to ``*``: the user folder (``c:\\users\\alice`` -> ``c:\\users\\*``, except
    ``public``, ``default`` and ``all users``), GUIDs (with or without braces, anywhere), version-number folders
    (``120.0.6099.130``, ``app-1.0.9013``, ``v2.1``) and the random folder directly under a ``temp`` folder
    (a name holding a digit or ending in ``.tmp``: ``7zS4A3C``, ``is-K2QF.tmp``, ``_MEI4560``, ``2``).
    File names are never folded.

Path class (:func:`path_class`), first match wins, on the cleaned lower-case path:
    ``temp`` (a ``\\temp\\`` folder anywhere, so Temp inside AppData is ``temp``), ``downloads``,
    ``users_public`` (``\\users\\public\\``), ``appdata``, ``programdata``, ``program_files`` (``X:\\program
    files\\`` or ``X:\\program files (x86)\\``), ``system`` (``X:\\windows\\``), ``other``. The first five are
    the user-writable classes, the same folders as the seed rule's patterns.

Status category (:func:`status_category`)
    ``code_signature.status`` folded to lower case (this is a feature, not the rule: the rule compares
    statuses exactly), then: ``trusted``; ``expired``/``errorExpired`` -> expired; ``revoked``/``errorRevoked``
    -> revoked; ``errorUntrustedRoot`` -> untrusted_root; ``errorChaining`` -> chaining; ``errorBadDigest`` ->
    bad_digest; ``invalid`` -> invalid; ``errorCode_endpoint: 0x800b0100`` (TRUST_E_NOSIGNATURE) ->
    unsigned_or_unknown; any other text -> other. Without a status: ``valid == false`` -> invalid, ``exists ==
    false`` -> unsigned_or_unknown, ``trusted == true`` -> trusted, ``trusted == false`` -> other, else
    unsigned_or_unknown. :data:`STATUS_CATEGORIES` lists them from best to worst; "the worst seen" of a binary
    is the highest index.
"""

from __future__ import annotations

from collections.abc import Callable

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from codesign_prevalence_model.known_names import GENERIC_SIGNER_WORDS, LEGAL_FORMS, SIGNER_WORD_MIN_LENGTH

PATH_CLASS_TEMP = "temp"
PATH_CLASS_DOWNLOADS = "downloads"
PATH_CLASS_USERS_PUBLIC = "users_public"
PATH_CLASS_APPDATA = "appdata"
PATH_CLASS_PROGRAMDATA = "programdata"
PATH_CLASS_PROGRAM_FILES = "program_files"
PATH_CLASS_SYSTEM = "system"
PATH_CLASS_OTHER = "other"

# Path classes in precedence order (first match wins): a folder anywhere in the cleaned lower-case path...
PATH_CLASS_FOLDERS: tuple[tuple[str, str], ...] = (
    (PATH_CLASS_TEMP, "\\temp\\"),
    (PATH_CLASS_DOWNLOADS, "\\downloads\\"),
    (PATH_CLASS_USERS_PUBLIC, "\\users\\public\\"),
    (PATH_CLASS_APPDATA, "\\appdata\\"),
    (PATH_CLASS_PROGRAMDATA, "\\programdata\\"),
)
# ...then a folder at the root of a drive (a regular expression anchored at the start).
PATH_CLASS_ROOTS: tuple[tuple[str, str], ...] = (
    (PATH_CLASS_PROGRAM_FILES, r"^[a-z]:\\program files(?: \(x86\))?\\"),
    (PATH_CLASS_SYSTEM, r"^[a-z]:\\windows\\"),
)
PATH_CLASS_RULES: tuple[tuple[str, str], ...] = (*PATH_CLASS_FOLDERS, *PATH_CLASS_ROOTS)
PATH_CLASSES: tuple[str, ...] = (*(name for name, _ in PATH_CLASS_RULES), PATH_CLASS_OTHER)
USER_WRITABLE_PATH_CLASSES: tuple[str, ...] = (
    PATH_CLASS_APPDATA,
    PATH_CLASS_TEMP,
    PATH_CLASS_DOWNLOADS,
    PATH_CLASS_USERS_PUBLIC,
    PATH_CLASS_PROGRAMDATA,
)

# Best to worst: a binary's status category is the worst one seen in its events.
STATUS_TRUSTED = "trusted"
STATUS_UNSIGNED_OR_UNKNOWN = "unsigned_or_unknown"
STATUS_OTHER = "other"
STATUS_EXPIRED = "expired"
STATUS_CHAINING = "chaining"
STATUS_UNTRUSTED_ROOT = "untrusted_root"
STATUS_INVALID = "invalid"
STATUS_BAD_DIGEST = "bad_digest"
STATUS_REVOKED = "revoked"
STATUS_CATEGORIES: tuple[str, ...] = (
    STATUS_TRUSTED,
    STATUS_UNSIGNED_OR_UNKNOWN,
    STATUS_OTHER,
    STATUS_EXPIRED,
    STATUS_CHAINING,
    STATUS_UNTRUSTED_ROOT,
    STATUS_INVALID,
    STATUS_BAD_DIGEST,
    STATUS_REVOKED,
)
# Lower-case status text -> category.
STATUS_TEXT_CATEGORIES: dict[str, str] = {
    "trusted": STATUS_TRUSTED,
    "expired": STATUS_EXPIRED,
    "errorexpired": STATUS_EXPIRED,
    "revoked": STATUS_REVOKED,
    "errorrevoked": STATUS_REVOKED,
    "untrustedroot": STATUS_UNTRUSTED_ROOT,
    "erroruntrustedroot": STATUS_UNTRUSTED_ROOT,
    "chaining": STATUS_CHAINING,
    "errorchaining": STATUS_CHAINING,
    "baddigest": STATUS_BAD_DIGEST,
    "errorbaddigest": STATUS_BAD_DIGEST,
    "invalid": STATUS_INVALID,
    "errorcode_endpoint: 0x800b0100": STATUS_UNSIGNED_OR_UNKNOWN,
}

_INVISIBLE = r"\p{Cf}+"
_SEPARATORS = r"(?U)[\s\p{P}\p{S}\p{Cc}]+"
_GUID = r"\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?"
_USER_FOLDER = r"^([a-z]:\\(?:users|documents and settings)\\)(?!(?:public|default|all users)\\)[^\\]++(?=\\|$)"
# A whole folder name: optional words joined by -, _ or space, optional v, then a dotted number and suffixes.
# Possessive quantifiers and unambiguous alternatives keep it linear in the path's length.
_VERSION_FOLDER = (
    r"(?<=\\)[a-z]*+(?:[-_ ][a-z]++){0,3}+[-_ ]?v?[0-9]++(?:[._][0-9]++)++(?:[-_.+][a-z0-9]++)*+(?=\\)"
)
_TEMP_RANDOM_FOLDER = r"(?<=\\temp\\)[^\\]*?(?:[0-9]|\.tmp)[^\\]*+(?=\\)"
FOLDED = "*"
_ONE_BACKSLASH = r"\\"  # a replacement string: Java reads backslash-backslash as one backslash


def canonical_signer(name: Column) -> Column:
    """A signer's name folded for grouping (see the module docstring); null when nothing is left."""
    visible = F.regexp_replace(F.lower(name), _INVISIBLE, "")
    folded = F.trim(F.regexp_replace(visible, _SEPARATORS, " "))
    return F.when(folded != F.lit(""), folded)


def clean_path(path: Column) -> Column:
    """Lower case, forward slashes as backslashes, no ``\\\\?\\``/``\\??\\`` prefix, single backslashes."""
    backslashed = F.translate(F.lower(path), "/", "\\")
    unprefixed = F.regexp_replace(backslashed, r"^(?:\\\\\?|\\\?\?)\\", "")
    return F.regexp_replace(unprefixed, r"(?<=[^\\])\\{2,}", _ONE_BACKSLASH)


def fold_path(cleaned: Column) -> Column:
    """A cleaned path (:func:`clean_path`) with user, GUID, version and random temp folders folded to ``*``."""
    folded = F.regexp_replace(cleaned, _USER_FOLDER, "$1" + FOLDED)
    folded = F.regexp_replace(folded, _GUID, FOLDED)
    folded = F.regexp_replace(folded, _VERSION_FOLDER, FOLDED)
    return F.regexp_replace(folded, _TEMP_RANDOM_FOLDER, FOLDED)


def class_of_path(cleaned: Column) -> Column:
    """The class (one of :data:`PATH_CLASSES`) of a cleaned path; ``other`` for a null path.

    Pass a column reference (as :func:`with_path_normalization` does): the expression reads it once per class.
    """
    tests = [(name, cleaned.contains(folder)) for name, folder in PATH_CLASS_FOLDERS]
    tests += [(name, cleaned.rlike(pattern)) for name, pattern in PATH_CLASS_ROOTS]
    first_name, first_test = tests[0]
    result = F.when(F.coalesce(first_test, F.lit(False)), F.lit(first_name))
    for name, test in tests[1:]:
        result = result.when(F.coalesce(test, F.lit(False)), F.lit(name))
    return result.otherwise(F.lit(PATH_CLASS_OTHER))


def normalized_path(path: Column) -> Column:
    """The path with user, GUID, version and random temp folders folded to ``*`` (module docstring)."""
    return fold_path(clean_path(path))


def path_class(path: Column) -> Column:
    """The path's class (one of :data:`PATH_CLASSES`); ``other`` for a null path."""
    return class_of_path(clean_path(path))


def is_user_writable(path_class_column: Column) -> Column:
    """Whether a path class is one of :data:`USER_WRITABLE_PATH_CLASSES`."""
    return path_class_column.isin(*USER_WRITABLE_PATH_CLASSES)


def status_category(status: Column, exists: Column, trusted: Column, valid: Column) -> Column:
    """The certificate status category of one event (one of :data:`STATUS_CATEGORIES`, never null).

    The status text is looked up in a literal map (one lookup, the folded text computed once).
    """
    folded = F.lower(F.trim(status))
    known = F.create_map(*[F.lit(value) for pair in STATUS_TEXT_CATEGORIES.items() for value in pair])
    by_text = F.try_element_at(known, folded)
    return (
        F.when(by_text.isNotNull(), by_text)
        .when(F.coalesce(folded != F.lit(""), F.lit(False)), F.lit(STATUS_OTHER))
        .when(valid == F.lit(False), F.lit(STATUS_INVALID))
        .when(exists == F.lit(False), F.lit(STATUS_UNSIGNED_OR_UNKNOWN))
        .when(trusted == F.lit(True), F.lit(STATUS_TRUSTED))
        .when(trusted == F.lit(False), F.lit(STATUS_OTHER))
        .otherwise(F.lit(STATUS_UNSIGNED_OR_UNKNOWN))
    )


def status_rank(category: Column) -> Column:
    """A status category's index in :data:`STATUS_CATEGORIES` (0 = trusted ... 8 = revoked)."""
    return F.array_position(F.array(*[F.lit(name) for name in STATUS_CATEGORIES]), category).cast("int") - 1


def status_of_rank(rank: Column) -> Column:
    """The inverse of :func:`status_rank`; null rank -> ``unsigned_or_unknown``."""
    categories = F.array(*[F.lit(name) for name in STATUS_CATEGORIES])
    return F.coalesce(F.try_element_at(categories, rank + 1), F.lit(STATUS_UNSIGNED_OR_UNKNOWN))


def file_name(path: Column) -> Column:
    """The last part of a Windows or POSIX path (the whole text when it has no separator)."""
    return F.substring_index(F.substring_index(path, "\\", -1), "/", -1)


def file_stem(name: Column) -> Column:
    """A file name (or path) without folders and without its last extension, lower case."""
    base = F.lower(file_name(name))
    extension = F.substring_index(base, ".", -1)
    return F.when(base.contains("."), F.left(base, F.length(base) - F.length(extension) - 1)).otherwise(base)


# A name decorated on download or packaging is not a rename: "putty (1).exe", "cports-x64.exe",
# "rufus-4.6.exe", "tool-portable.exe" all run what "putty.exe" / "cports.exe" / "rufus.exe" / "tool.exe" named
# itself. ``name_core`` drops the browser's duplicate counter and every character that is not a letter or a
# digit; one core that starts the other (of at least RENAME_PREFIX_MIN characters) is the same name decorated.
BROWSER_DUPLICATE = r"\s*\(\d+\)$"
NOT_LETTER_OR_DIGIT = r"[^\p{L}\p{N}]"
RENAME_PREFIX_MIN = 3


def name_core(name: Column) -> Column:
    """:func:`file_stem` without a trailing browser duplicate counter (`` (1)``) and without anything that is
    not a letter or a digit (any script)."""
    return F.regexp_replace(F.regexp_replace(file_stem(name), BROWSER_DUPLICATE, ""), NOT_LETTER_OR_DIGIT, "")


def renamed_file(original_name: Column, file: Column) -> Column:
    """Whether a file runs under another name than the one compiled into it (``pe.original_file_name``), never
    null: false without an original name, false for an original name that is no file name (without an extension:
    "Process Explorer", a product's name where the file's belongs), false when the names differ only by case,
    extension or decoration (a duplicate counter, a version, an architecture tag or "portable" after the name,
    punctuation), true otherwise. Names that are nothing but punctuation compare by their stems."""
    original_core, file_core = name_core(original_name), name_core(file)
    shorter = F.least(F.length(original_core), F.length(file_core))
    decorated = (shorter >= F.lit(RENAME_PREFIX_MIN)) & (
        F.startswith(original_core, file_core) | F.startswith(file_core, original_core)
    )
    cores_differ = F.when(
        shorter > F.lit(0), (original_core != file_core) & ~decorated
    ).otherwise(file_stem(original_name) != file_stem(file))
    a_file_name = original_name.contains(".")
    return F.coalesce(a_file_name & cores_differ, F.lit(False))


# Legal forms (known_names.LEGAL_FORMS) at the end of a folded company name are folded away only to compare a
# header's pe.company with the signer; signers stay grouped with their suffix (canonical_signer).
_TRAILING_LEGAL_FORMS = r"(?:\s+(?:" + "|".join(form.replace(" ", r"\s") for form in LEGAL_FORMS) + r"))+$"


def company_core(folded: Column) -> Column:
    """A folded company or signer name without its trailing legal forms (``"hp development company l p"`` ->
    ``"hp development"``); the name itself when nothing else is left (``"co ltd"``)."""
    core = F.regexp_replace(folded, _TRAILING_LEGAL_FORMS, "")
    return F.when(core != F.lit(""), core).otherwise(folded)


def names_another_company(company: Column, signer: Column) -> Column:
    """Whether a folded pe.company names another company than the folded signer: neither name's core
    (:func:`company_core`) holds the other's as whole words. Null when either is null."""
    padded_company = F.concat(F.lit(" "), company_core(company), F.lit(" "))
    padded_signer = F.concat(F.lit(" "), company_core(signer), F.lit(" "))
    return ~(padded_signer.contains(padded_company) | padded_company.contains(padded_signer))


def signer_words(signer: Column) -> Column:
    """The distinctive words of a canonical signer (:func:`canonical_signer`), in order: an array, empty when
    the name has none (``"hp inc"``, ``"ht srl"``), null for a null signer. A word must hold a Latin letter or
    a digit: Windows install folders are named in Latin script, so a name written only in another script
    (``"腾讯科技 深圳 有限公司"``) could not be looked for in its vendor's paths and is not judged."""
    generic = sorted(GENERIC_SIGNER_WORDS)
    return F.filter(
        F.split(signer, " "),
        lambda word: (F.length(word) >= F.lit(SIGNER_WORD_MIN_LENGTH))
        & ~word.isin(*generic)
        & word.rlike("[a-z0-9]"),
    )


# Short words of a signer's name that are no acronym of it: articles and conjunctions of company names
# ("the", "and", "de", "und") and abbreviations many names share ("it", "pc", "usa"). Legal forms are generic too.
SIGNER_SHORT_STOPWORDS: frozenset[str] = frozenset(
    (
        "the", "and", "of", "for", "de", "du", "des", "la", "le", "el", "da", "di", "do", "und", "et", "von",
        "van", "der", "den", "it", "pc", "app", "web", "net", "usa", "uk", "us", "eu", "dev", "sw", "hw",
    )
)


def _acronyms(signer: Column) -> Column:
    """A canonical signer's words of two or three characters holding a Latin letter, neither a legal form nor
    a stopword, whether or not the name also has a distinctive word."""
    generic = sorted(GENERIC_SIGNER_WORDS | SIGNER_SHORT_STOPWORDS)
    return F.filter(
        F.split(signer, " "),
        lambda word: (F.length(word) >= F.lit(2))
        & (F.length(word) < F.lit(SIGNER_WORD_MIN_LENGTH))
        & ~word.isin(*generic)
        & word.rlike("[a-z]"),
    )


def path_names_signer(paths: Column, signer: Column) -> Column:
    """Whether one of ``paths`` (folded, lower case: :func:`normalized_path`) holds one of the signer's
    distinctive words (:func:`signer_words`) anywhere, as a folder, a file or part of one (``"lumora"`` in
    ``c:\\program files\\lumora\\deskhub\\lumoradeskhub.exe``); a signer whose name has no distinctive word by
    an acronym of it (its words of two or three characters holding a Latin letter, neither a legal form nor a
    stopword: ``"hp inc"`` -> ``"hp"``, ``"ht s r l"`` -> ``"ht"``) as a whole word of a path (``"hp"`` in
    ``c:\\programdata\\hp\\hpsf.exe``; two letters inside another word say nothing). Null when the signer
    has neither or is null, or no path is known: nothing to judge. The user's own folder is folded to ``*``
    by the normalisation, so a user name never counts."""
    words = signer_words(signer)
    # The acronyms are read only where the name has no distinctive word (the first branch below takes every
    # other name), so they need not test for one.
    short = _acronyms(signer)
    by_word = F.exists(paths, lambda path: F.coalesce(F.exists(words, lambda word: path.contains(word)), F.lit(False)))
    # Only for a name without a distinctive word: the paths are split into words only then.
    by_acronym = F.exists(
        paths, lambda path: F.coalesce(F.arrays_overlap(F.split(path, NOT_LETTER_OR_DIGIT + "+"), short), F.lit(False))
    )
    known = F.size(paths) > F.lit(0)
    return F.when(known & (F.size(words) > F.lit(0)), by_word).when(known & (F.size(short) > F.lit(0)), by_acronym)


# Words of file names that many vendors use (NAME_WORD_MIN_LENGTH characters or more; shorter ones are not
# words of a name). A file-name word not among them names a product: "teams", "svchost", "vpnagent".
NAME_WORD_MIN_LENGTH = 4
GENERIC_NAME_WORDS: frozenset[str] = frozenset(
    (
        "setup", "install", "installer", "update", "updater", "uninstall", "uninst", "launcher", "helper",
        "service", "client", "agent", "host", "server", "tray", "win32", "win64", "amd64", "arm64", "windows",
        "portable", "bootstrapper", "crashpad", "crashhandler", "crash", "report", "reporter", "plugin", "main",
        "application", "tool", "tools", "console", "runtime", "driver", "drivers", "manager", "monitor",
        "notifier", "daemon", "broker", "full", "latest", "release", "beta", "version", "copy",
    )
)


# A word that ends in a generic word glued to it, the rest a possible product word: "onedriveupdate" ->
# "onedrive", "adobearmhelper" -> "adobearm" (the longest generic ending; the rest NAME_WORD_MIN_LENGTH or more).
# Taken off up to GLUED_GENERIC_ENDINGS times: "zoominstallerfull" -> "zoominstaller" -> "zoom".
GLUED_GENERIC_ENDINGS = 2
_GLUED_GENERIC_ENDING = (
    f"^(.{{{NAME_WORD_MIN_LENGTH},}}?)(?:{'|'.join(sorted(GENERIC_NAME_WORDS, key=lambda word: (-len(word), word)))})$"
)


def file_name_words(path: Column) -> Column:
    """The product words of a path's file name (folded, lower case: :func:`normalized_path`): the words of its last
    component without the extension, split at anything but a letter or digit, and of each word that ends in a
    generic word glued to it (``onedriveupdate``, ``teamsupdater``) the part before that ending too, and of that
    part, if it ends in one again, the part before it (:data:`GLUED_GENERIC_ENDINGS`: ``zoominstallerfull`` ->
    ``zoominstaller`` -> ``zoom``); each at least :data:`NAME_WORD_MIN_LENGTH` characters, holding a letter, not in
    :data:`GENERIC_NAME_WORDS`. ``c:\\users\\*\\downloads\\teams_windows_x64.exe`` -> ``["teams"]``,
    ``...\\onedriveupdate.exe`` -> ``["onedriveupdate", "onedrive"]``; null for a null path. A name glued of a
    product and a generic word is the form of an impostor's name (``GoogleUpdateSetup.exe``) and of a third party's
    helper alike (``OutlookHelper.exe``): which one it is, the signer and the rest of the evidence say."""
    generic = sorted(GENERIC_NAME_WORDS)
    words = F.split(file_stem(path), NOT_LETTER_OR_DIGIT + "+")
    parts = [words]
    for _ in range(GLUED_GENERIC_ENDINGS):
        parts.append(F.transform(parts[-1], lambda word: F.regexp_extract(word, _GLUED_GENERIC_ENDING, 1)))
    return F.array_distinct(
        F.filter(
            F.concat(*parts),
            lambda word: (F.length(word) >= F.lit(NAME_WORD_MIN_LENGTH))
            & word.rlike(r"\p{L}")
            & ~word.isin(*generic),
        )
    )


# A dropper sent by mail or chat is named as the document it pretends to be (T1036.007, T1204.002): a document
# extension before its own ("scan_00417.pdf.exe"), or a business document's word and a number of 3 or more digits
# in its name ("invoice_2026-11.exe", "po_73460.exe", "payroll_adjustment_49957.exe"). A program is named after
# itself: its version is dotted ("rufus-4.6.exe"), and no product is called "invoice" or "remittance".
LURE_EXTENSIONS: tuple[str, ...] = (
    "pdf", "doc", "docx", "docm", "xls", "xlsx", "xlsm", "ppt", "pptx", "rtf", "txt", "csv", "jpg", "jpeg", "png",
    "gif", "zip", "rar", "7z", "htm", "html", "eml", "msg", "odt", "ods",
)
LURE_WORDS: tuple[str, ...] = (
    "invoice", "invoices", "inv", "statement", "payroll", "remittance", "receipt", "payment", "po", "order",
    "purchase", "quotation", "quote", "contract", "agreement", "scan", "scanned", "document", "doc", "shipping",
    "shipment", "delivery", "tracking", "tax", "salary", "bonus", "refund", "overdue", "bill", "billing", "bank",
    "wire", "swift", "resume", "cv", "fax", "voicemail", "proforma", "advice", "notice",
)
_LURE_EXTENSION = r"\.(?:" + "|".join(LURE_EXTENSIONS) + r")[\s_]*\.[^.]+$"
_LURE_DOCUMENT = r"(?:^|[^\p{L}\p{N}])(?:" + "|".join(LURE_WORDS) + r")(?:[^\p{L}\p{N}].*)?\p{Nd}{3,}"


def lure_name(path: Column) -> Column:
    """Whether a path's file name (folded, lower case: :func:`normalized_path`) is a document lure's: a document
    extension before its own (:data:`LURE_EXTENSIONS`), or in its stem a word of :data:`LURE_WORDS` as a whole word
    followed, there or later, by a number of at least 3 digits. False for a null path."""
    name = file_name(path)
    return F.coalesce(name.rlike(_LURE_EXTENSION) | file_stem(path).rlike(_LURE_DOCUMENT), F.lit(False))


LOOKUP_VALUE = "_lookup_value"


def with_lookup(source: str, compute: Callable[[DataFrame], DataFrame]) -> Callable[[DataFrame], DataFrame]:
    """A transform adding columns that depend on one column only, computed once per distinct value.

    ``compute`` receives the distinct values of ``source`` (one column, :data:`LOOKUP_VALUE`) and returns them
    with the new columns; these are joined back (null matching null; Spark broadcasts the lookup when it is
    small). For expensive expressions (regular expressions) on a column with few distinct values, this
    replaces one evaluation per row with one per value. Row order is not kept.
    """

    def transform(frame: DataFrame) -> DataFrame:
        values = frame.select(F.col(source).alias(LOOKUP_VALUE)).distinct()
        lookup = compute(values)
        return frame.join(lookup, on=F.col(source).eqNullSafe(F.col(LOOKUP_VALUE)), how="left").drop(LOOKUP_VALUE)

    return transform


def _signers(values: DataFrame) -> DataFrame:
    return values.select(LOOKUP_VALUE, canonical_signer(F.col(LOOKUP_VALUE)).alias("signer"))


def _paths(values: DataFrame) -> DataFrame:
    cleaned = values.select(LOOKUP_VALUE, clean_path(F.col(LOOKUP_VALUE)).alias("_path_clean"))
    return cleaned.select(
        LOOKUP_VALUE,
        fold_path(F.col("_path_clean")).alias("path_norm"),
        class_of_path(F.col("_path_clean")).alias("path_class"),
    )


def with_signer(events: DataFrame) -> DataFrame:
    """Add the canonical signer (computed once per distinct subject name).

    Reads: ``cs_subject_name``. Adds: ``signer`` (null when the subject is missing or folds to nothing).
    """
    return events.transform(with_lookup("cs_subject_name", _signers))


def with_path_normalization(events: DataFrame) -> DataFrame:
    """Add the folded path and the path class (computed once per distinct path).

    Reads: ``executable``. Adds: ``path_norm`` (string), ``path_class`` (string, never null).
    """
    return events.transform(with_lookup("executable", _paths))


def with_status_category(events: DataFrame) -> DataFrame:
    """Add the certificate status category and its severity rank.

    Reads: ``cs_status``, ``cs_exists``, ``cs_trusted``, ``cs_valid``.
    Adds: ``status_category`` (string, never null), ``status_rank`` (int, 0 best .. 8 worst).
    """
    category = status_category(F.col("cs_status"), F.col("cs_exists"), F.col("cs_trusted"), F.col("cs_valid"))
    categorised = events.select("*", category.alias("status_category"))
    return categorised.select("*", status_rank(F.col("status_category")).alias("status_rank"))
