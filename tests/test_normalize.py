"""Normalisation transforms: canonical signer, folded path, path class, status category (inline DataFrames)."""

from __future__ import annotations

from chispa import assert_df_equality
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import BooleanType, IntegerType, StringType, StructField, StructType

from codesign_prevalence.features.normalize import (
    STATUS_CATEGORIES,
    file_name_words,
    file_stem,
    lure_name,
    names_another_company,
    path_names_signer,
    signer_words,
    status_of_rank,
    with_path_normalization,
    with_signer,
    with_status_category,
)
from codesign_prevalence_model.features import distinctive_words, fold_signer

SUBJECT_SCHEMA = StructType([StructField("cs_subject_name", StringType(), True)])
PATH_SCHEMA = StructType([StructField("executable", StringType(), True)])


def test_with_signer_folds_case_space_and_punctuation_but_keeps_legal_suffixes(spark: SparkSession) -> None:
    rows = [
        ("Microsoft Corporation ",),
        ("microsoft  corporation",),
        ("MICROSOFT\u00a0CORPORATION.",),
        ("Micro\u200bsoft Corporation",),  # a zero-width space is removed, not made a space
        ("Google LLC",),
        ("Google Inc",),
        ("Adobe Inc.",),
        ("Amazon.com, Inc.",),
        ("Hewlett-Packard",),
        ("...",),
        ("   ",),
        ("Cafe\u0301_Werk\u00a0\u2014 GmbH\u2122",),  # a combining accent kept; underscore, dash and sign separate
        (None,),
    ]
    expected = [
        ("Microsoft Corporation ", "microsoft corporation"),
        ("microsoft  corporation", "microsoft corporation"),
        ("MICROSOFT\u00a0CORPORATION.", "microsoft corporation"),
        ("Micro\u200bsoft Corporation", "microsoft corporation"),
        ("Google LLC", "google llc"),
        ("Google Inc", "google inc"),
        ("Adobe Inc.", "adobe inc"),
        ("Amazon.com, Inc.", "amazon com inc"),
        ("Hewlett-Packard", "hewlett packard"),
        ("...", None),
        ("   ", None),
        ("Cafe\u0301_Werk\u00a0\u2014 GmbH\u2122", "cafe\u0301 werk gmbh"),
        (None, None),
    ]
    actual = spark.createDataFrame(rows, SUBJECT_SCHEMA).transform(with_signer)
    expected_df = spark.createDataFrame(expected, "cs_subject_name string, signer string")
    assert_df_equality(actual, expected_df, ignore_nullable=True, ignore_row_order=True)
    # The model's own fold (model.known_publishers against the signer column) gives the same names.
    assert [fold_signer(name) or None for name, _ in expected if name is not None] == [
        signer for name, signer in expected if name is not None
    ]


def test_with_path_normalization_folds_users_guids_versions_and_temp_folders(spark: SparkSession) -> None:
    rows = [
        (r"C:\Users\alice\AppData\Local\Temp\{0F3A1B2C-1234-4ABC-8DEF-0123456789AB}\setup.exe",),
        (r"C:\Users\bob\AppData\Local\Temp\{0f3a1b2c-1234-4abc-8def-0123456789ab}\setup.exe",),
        (r"\\?\C:\Program Files (x86)\Google\Chrome\Application\120.0.6099.130\chrome.exe",),
        (r"C:\Users\bob\AppData\Local\Discord\app-1.0.9013\Discord.exe",),
        (r"C:\Windows\Temp\7zS4A3C\setup.exe",),
        (r"C:\Users\x\AppData\Local\Temp\is-ABCDE.tmp\setup.tmp",),
        (r"C:\Users\x\AppData\Local\Temp\Chocolatey\choco.exe",),
        (r"c:/users/Bob/Downloads//x_1.2.exe",),
        (r"C:\Users\Public\Documents\a.exe",),
        (r"\??\C:\Windows\System32\svchost.exe",),
        (r"C:\ProgramData\Vendor\v2.1\agent.exe",),
        (r"\\fileserver\share\tool.exe",),
        (None,),
    ]
    expected = [
        (r"c:\users\*\appdata\local\temp\*\setup.exe", "temp"),
        (r"c:\users\*\appdata\local\temp\*\setup.exe", "temp"),
        (r"c:\program files (x86)\google\chrome\application\*\chrome.exe", "program_files"),
        (r"c:\users\*\appdata\local\discord\*\discord.exe", "appdata"),
        (r"c:\windows\temp\*\setup.exe", "temp"),
        (r"c:\users\*\appdata\local\temp\*\setup.tmp", "temp"),
        (r"c:\users\*\appdata\local\temp\chocolatey\choco.exe", "temp"),
        (r"c:\users\*\downloads\x_1.2.exe", "downloads"),
        (r"c:\users\public\documents\a.exe", "users_public"),
        (r"c:\windows\system32\svchost.exe", "system"),
        (r"c:\programdata\vendor\*\agent.exe", "programdata"),
        (r"\\fileserver\share\tool.exe", "other"),
        (None, "other"),
    ]
    actual = spark.createDataFrame(rows, PATH_SCHEMA).transform(with_path_normalization)
    expected_df = spark.createDataFrame(
        [(row[0], *normal) for row, normal in zip(rows, expected, strict=True)],
        "executable string, path_norm string, path_class string",
    )
    assert_df_equality(actual, expected_df, ignore_nullable=True, ignore_row_order=True)


def test_path_class_precedence(spark: SparkSession) -> None:
    """Temp inside AppData is temp; Downloads inside Users\\Public is downloads; ProgramData beats system."""
    rows = [
        (r"C:\Users\a\AppData\Local\Temp\x.exe",),
        (r"C:\Users\Public\Downloads\x.exe",),
        (r"C:\Users\a\AppData\Roaming\x.exe",),
        (r"C:\Windows\Temp\x.exe",),
        (r"D:\Program Files\Vendor\x.exe",),
        (r"C:\Windows\SysWOW64\x.exe",),
        (r"C:\Users\a\Desktop\x.exe",),
        (r"C:\Temporary\x.exe",),
    ]
    actual = (
        spark.createDataFrame(rows, PATH_SCHEMA)
        .transform(with_path_normalization)
        .select("executable", "path_class")
    )
    expected = spark.createDataFrame(
        [
            (r"C:\Users\a\AppData\Local\Temp\x.exe", "temp"),
            (r"C:\Users\Public\Downloads\x.exe", "downloads"),
            (r"C:\Users\a\AppData\Roaming\x.exe", "appdata"),
            (r"C:\Windows\Temp\x.exe", "temp"),
            (r"D:\Program Files\Vendor\x.exe", "program_files"),
            (r"C:\Windows\SysWOW64\x.exe", "system"),
            (r"C:\Users\a\Desktop\x.exe", "other"),
            (r"C:\Temporary\x.exe", "other"),
        ],
        "executable string, path_class string",
    )
    assert_df_equality(actual, expected, ignore_nullable=True, ignore_row_order=True)


STATUS_SCHEMA = StructType(
    [
        StructField("cs_status", StringType(), True),
        StructField("cs_exists", BooleanType(), True),
        StructField("cs_trusted", BooleanType(), True),
        StructField("cs_valid", BooleanType(), True),
    ]
)


def test_with_status_category(spark: SparkSession) -> None:
    rows = [
        ("trusted", True, True, None),
        ("errorExpired", True, False, None),
        ("Expired", True, False, None),
        ("errorRevoked", True, False, None),
        ("errorUntrustedRoot", True, False, None),
        ("errorChaining", True, False, None),
        ("errorBadDigest", True, False, None),
        ("invalid", True, False, False),
        ("errorCode_endpoint: 0x800b0100", False, False, None),
        ("errorCode_endpoint: 0x80096010", True, False, None),
        (None, True, True, True),
        (None, True, True, False),
        (None, False, False, None),
        (None, True, False, None),
        (None, None, None, None),
    ]
    expected = [
        ("trusted", 0),
        ("expired", 3),
        ("expired", 3),
        ("revoked", 8),
        ("untrusted_root", 5),
        ("chaining", 4),
        ("bad_digest", 7),
        ("invalid", 6),
        ("unsigned_or_unknown", 1),
        ("other", 2),
        ("trusted", 0),
        ("invalid", 6),
        ("unsigned_or_unknown", 1),
        ("other", 2),
        ("unsigned_or_unknown", 1),
    ]
    actual = (
        spark.createDataFrame(rows, STATUS_SCHEMA)
        .transform(with_status_category)
        .select("status_category", "status_rank")
    )
    expected_df = spark.createDataFrame(
        expected,
        StructType([StructField("status_category", StringType()), StructField("status_rank", IntegerType())]),
    )
    assert_df_equality(actual, expected_df, ignore_nullable=True)


def test_status_of_rank_inverts_the_rank(spark: SparkSession) -> None:
    ranks = spark.createDataFrame([(rank,) for rank in [*range(len(STATUS_CATEGORIES)), None]], "rank int")
    actual = ranks.select(status_of_rank(F.col("rank")).alias("category"))
    expected = spark.createDataFrame(
        [(name,) for name in [*STATUS_CATEGORIES, "unsigned_or_unknown"]], "category string"
    )
    assert_df_equality(actual, expected, ignore_nullable=True)


def test_file_stem(spark: SparkSession) -> None:
    names = spark.createDataFrame(
        [(r"C:\a\Setup.EXE",), ("setup",), ("archive.tar.gz",), ("c:/x/y.dll",), (None,)], "name string"
    )
    actual = names.select(file_stem(F.col("name")).alias("stem"))
    expected = spark.createDataFrame([("setup",), ("setup",), ("archive.tar",), ("y",), (None,)], "stem string")
    assert_df_equality(actual, expected, ignore_nullable=True)


def test_names_another_company_sets_legal_forms_aside_and_compares_whole_words(spark: SparkSession) -> None:
    pairs = [
        ("slack technologies llc", "slack technologies inc", False),  # the brand's other legal entity
        ("hp development company l p", "hp inc", False),
        ("contoso ltd", "contoso ltd", False),
        ("google", "google llc", False),  # one holds the other
        ("microsoft corporation", "micros0ft corporation", True),  # a look-alike is another company
        ("nirsoft", "nir sofer", True),
        ("microsoft corporation", "soft co", True),  # "soft" is no word of Microsoft's name
        ("zoom video communications inc", "evil llc", True),
        ("co ltd", "co ltd", False),  # nothing but legal forms: the name itself
        ("kairo metrology s r o", "kairo metrology sro", False),  # "s.r.o." and "sro" alike
        ("vltava data spol s r o", "vltava data a s", False),
        ("kairo metrology s r o", "vltava data s r o", True),
        ("inc", "acme inc", True),
        (None, "acme inc", None),
    ]
    frame = spark.createDataFrame([(company, signer) for company, signer, _ in pairs], "company string, signer string")
    actual = frame.select(names_another_company(F.col("company"), F.col("signer")).alias("other")).collect()
    assert [row.other for row in actual] == [expected for _, _, expected in pairs]


TENCENT_IN_CHINESE = "\u817e\u8baf\u79d1\u6280 \u6df1\u5733 \u6709\u9650\u516c\u53f8"  # canonical: words of 4, 2, 4


def test_a_path_names_its_signer_by_a_distinctive_word_of_the_name(spark: SparkSession) -> None:
    cases = [
        # (folded paths, canonical signer, expected words, names the signer)
        (["c:\\program files (x86)\\lumora\\deskhub\\lumoradeskhub.exe"], "lumora systems oy", ["lumora"], True),
        (["c:\\programdata\\driverupdate\\driverupdate.exe"], "lumora systems oy", ["lumora"], False),
        # any of the binary's paths will do; a word inside a folder or file name counts
        (["c:\\users\\*\\downloads\\x.exe", "c:\\users\\*\\appdata\\local\\d-link\\dlinkup.exe"],
         "d link corporation", ["link"], True),
        # legal forms, company and folder words say nothing of who signed: "local" and "software" are no brand
        (["c:\\users\\*\\appdata\\local\\software\\a.exe"], "local software gmbh", [], None),
        # a name without a word of four characters is looked for by its acronym, as a whole word of a path
        (["c:\\programdata\\hp\\hpsf.exe"], "hp inc", [], True),
        (["c:\\programdata\\driverupdate\\driverupdate.exe"], "ht s r l", [], False),
        (["c:\\users\\*\\appdata\\local\\http\\htsync.exe"], "ht s r l", [], False),  # inside a word: no
        (["c:\\program files\\ktl sync\\x.exe"], "the ktl co ltd", [], True),  # articles, legal forms: no
        (["c:\\co\\the\\ltd.exe"], "the co ltd", [], None),  # nothing but those: not judged
        # the user's folder is folded before the comparison: a user named like the signer does not count
        (["c:\\users\\*\\appdata\\roaming\\svc\\svc.exe"], "martin malik", ["martin", "malik"], False),
        # an attacker's quotes and Unicode are data
        (["c:\\users\\*\\appdata\\local\\o'brien \u00fcber\\x.exe"], "o brien \u00fcber ltd",
         ["brien", "\u00fcber"], True),
        # a name in another script could not be looked for in Latin-script folders: not judged
        (["c:\\program files\\tencent\\qq.exe"], TENCENT_IN_CHINESE, [], None),
        ([], "lumora systems oy", ["lumora"], None),  # no path known
        (None, "lumora systems oy", ["lumora"], None),
        (["c:\\x.exe"], None, None, None),
    ]
    frame = spark.createDataFrame(
        [(paths, signer) for paths, signer, _, _ in cases], "paths array<string>, signer string"
    )
    actual = frame.select(
        signer_words(F.col("signer")).alias("words"), path_names_signer(F.col("paths"), F.col("signer")).alias("named")
    ).collect()
    assert [row.words for row in actual] == [words for _, _, words, _ in cases]
    assert [row.named for row in actual] == [named for _, _, _, named in cases]
    # The model reads a signer's words in pandas (related_company) as the job reads them here, in Spark.
    assert [set(distinctive_words(signer)) for _, signer, _, _ in cases] == [set(row.words or []) for row in actual]


def test_a_signer_named_by_an_acronym_alone_is_looked_for_by_it(spark: SparkSession) -> None:
    """Each signer's acronym as a folder of its path: found for a name without a distinctive word; not for a name
    that has one ("lumora hp oy" is looked for by "lumora" alone); nothing to judge for a name with neither."""
    signers = ["hp inc", "ht s r l", "the ktl co ltd", "sap se", "lumora hp oy", "the co ltd", None]
    acronyms = ["hp", "ht", "ktl", "sap", "hp", "co", "hp"]
    frame = spark.createDataFrame(
        [([f"c:\\programdata\\{acronym}\\x.exe"], signer) for signer, acronym in zip(signers, acronyms, strict=True)],
        "paths array<string>, signer string",
    )
    named = frame.select(path_names_signer(F.col("paths"), F.col("signer")).alias("named"))
    actual = [row.named for row in named.collect()]
    assert actual == [True, True, True, True, False, None, None]


def test_a_file_name_holds_the_product_words_of_its_stem(spark: SparkSession) -> None:
    cases = [
        ("c:\\users\\*\\downloads\\teams_windows_x64.exe", ["teams"]),  # "windows" is generic, "x64" short
        ("c:\\users\\*\\appdata\\roaming\\microsoft\\network\\svchost.exe", ["svchost"]),  # folders: not the name
        ("c:\\programdata\\cisco\\secure client\\vpnagent_update.exe", ["vpnagent"]),
        ("c:\\users\\*\\appdata\\local\\temp\\rar$exa1.2\\scan_00417.pdf.exe", ["scan"]),  # digits, "pdf"
        ("c:\\users\\*\\downloads\\setup (1).exe", []),
        # an attacker's quotes and Unicode are data; a dot inside the name ends nothing but the extension
        ("c:\\users\\*\\downloads\\o'brien \"t\u00e9l\u00e9m\u00e9trie\".v2.exe",
         ["brien", "t\u00e9l\u00e9m\u00e9trie"]),
        ("c:\\tools\\rtkauduservice64", ["rtkauduservice64"]),  # no extension
        # a generic word glued to the end: the part before it is a word too (the longest generic ending)
        ("c:\\users\\*\\appdata\\local\\microsoft\\onedrive\\onedriveupdate.exe", ["onedriveupdate", "onedrive"]),
        ("c:\\programdata\\adobe\\arm\\adobearmhelper.exe", ["adobearmhelper", "adobearm"]),
        ("c:\\users\\*\\downloads\\googleupdatesetup.exe", ["googleupdatesetup", "googleupdate", "google"]),
        # two generic words glued on: each taken off in turn (no more than two)
        ("c:\\users\\*\\downloads\\zoominstallerfull.exe", ["zoominstallerfull", "zoominstaller", "zoom"]),
        ("c:\\x\\slacksetupinstallerfull.exe", ["slacksetupinstallerfull", "slacksetupinstaller", "slacksetup"]),
        ("c:\\x\\googlecrashhandler64.exe", ["googlecrashhandler64"]),  # "64" ends it, not a generic word
        ("c:\\x\\toolhelper.exe", ["toolhelper"]),  # the part before is generic itself
        ("c:\\x\\appupdate-teamsupdater.exe", ["appupdate", "teamsupdater", "teams"]),  # "app": too short
        (None, None),
    ]
    frame = spark.createDataFrame([(path,) for path, _ in cases], "path string")
    actual = [row.words for row in frame.select(file_name_words(F.col("path")).alias("words")).collect()]
    assert actual == [words for _, words in cases]


def test_a_document_lures_file_name_is_found(spark: SparkSession) -> None:
    """A document extension before the file's own, or a business document's word (a whole word) with a number of 3
    or more digits in the stem; a program's name, its dotted version, a lure word inside another word, a number in
    a folder or a lure word without a number is not."""
    cases = [
        ("c:\\users\\*\\downloads\\invoice_2026-11.exe", True),
        ("c:\\users\\*\\appdata\\local\\temp\\rar$exa1.2\\scan_00417.pdf.exe", True),
        ("c:\\users\\*\\downloads\\po_73460.exe", True),
        ("c:\\users\\*\\downloads\\payroll_adjustment_49957 (1).exe", True),  # the word first, the number later
        ("c:\\users\\*\\downloads\\tax2023.exe", True),
        ("c:\\users\\*\\downloads\\contract.docx  .exe", True),
        ("c:\\users\\*\\downloads\\\"o'brien\" statement 884.scr", True),  # quotes are data
        ("c:\\users\\*\\downloads\\rufus-4.6.exe", False),
        ("c:\\users\\*\\downloads\\inventory_2024.exe", False),  # "inv" inside a word
        ("c:\\users\\*\\downloads\\taxact2023.exe", False),
        ("c:\\users\\*\\downloads\\scanner_setup.exe", False),
        ("c:\\users\\*\\downloads\\invoice viewer.exe", False),  # no number
        ("c:\\invoices\\2026\\app_setup.exe", False),  # the folders are not the name
        ("c:\\users\\*\\downloads\\setup_12345.exe", False),
        ("c:\\users\\*\\downloads\\node.js.exe", False),
        (None, False),
    ]
    frame = spark.createDataFrame([(path,) for path, _ in cases], "path string")
    actual = [row.lure for row in frame.select(lure_name(F.col("path")).alias("lure")).collect()]
    assert actual == [lure for _, lure in cases]
