"""Everyday software of a Windows fleet: the OS and the allow-listed publishers' products.

The tables are package data (``data/software.yaml``, loaded by :mod:`datafiles`); this module turns them into
vendors, products and binaries of a :class:`Catalog`.
"""

from __future__ import annotations

import datetime as dt
import random

from codesign_prevalence.simulator.catalog import Catalog, ExeDef, Vendor, cert_history, release_plan
from codesign_prevalence.simulator.datafiles import ExecutableData, software_data
from codesign_prevalence.simulator.datafiles import OsBuildData as OsBuild
from codesign_prevalence.simulator.model import LONG_AGO

OS_BUILDS: tuple[OsBuild, ...] = software_data().os_builds


def exe_def(data: ExecutableData) -> ExeDef:
    return ExeDef(data.path, data.weight, data.run_as, data.calls, data.description)


def add_big_vendors(catalog: Catalog, rng: random.Random) -> None:
    for vendor in software_data().big_vendors:
        certs = cert_history(catalog.seed, rng, vendor.signer, catalog.days)
        catalog.big[vendor.key] = Vendor(
            vendor.signer, vendor.company, vendor.signer.split(",")[0], certs, timestamped=True
        )


def patch_days(start: dt.date, days: int) -> list[int]:
    """Day indices of Patch Tuesdays (second Tuesday of a month) from ~70 days before the window to its end."""
    found: list[int] = []
    first = start - dt.timedelta(days=70)
    month = dt.date(first.year, first.month, 1)
    while month <= start + dt.timedelta(days=days):
        tuesday = month + dt.timedelta(days=(1 - month.weekday()) % 7 + 7)
        offset = (tuesday - start).days
        if -70 <= offset < days:
            found.append(offset)
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return found


def add_os(catalog: Catalog, rng: random.Random) -> None:
    """System binaries per OS build, with cumulative updates on Patch Tuesdays."""
    patches = patch_days(catalog.start, catalog.days)
    signers = {v.signer: v for v in catalog.big.values()}
    executables = software_data().os_executables
    for build in OS_BUILDS:
        for definition in executables:
            where = definition.where
            if (where == "client" and build.server) or (where not in ("all", "client") and not build.server):
                continue
            revision = build.revision
            releases = [(LONG_AGO, f"10.0.{build.build}.{revision}")]
            for day in patches:
                revision += rng.randint(150, 400)
                if rng.random() < 0.55:
                    releases.append((day, f"10.0.{build.build}.{revision}"))
            catalog.add_product(
                key=f"os|{build.key}|{definition.path}",
                name="Microsoft® Windows® Operating System",
                company="Microsoft Corporation",
                exes=[exe_def(definition)],
                releases=releases,
                sign=signers[definition.signer].signature_for,
                share=(1.0, 1.0, 1.0),
                lag_mean=4.0,
                scenario="os",
                os_build=build.key,
                roles=(where,) if where not in ("all", "client", "server") else (),
            )


def add_big_products(catalog: Catalog, rng: random.Random) -> None:
    """Software of the allow-listed publishers and a few well-known per-user applications."""
    for product in software_data().big_products:
        vendor = catalog.big[product.vendor]
        catalog.add_product(
            key=f"big|{product.vendor}|{product.name}",
            name=product.name,
            company=vendor.company,
            exes=[exe_def(x) for x in product.executables],
            releases=release_plan(rng, catalog.days, product.rate, product.base),
            sign=vendor.signature_for,
            share=product.share,
            lag_mean=3.0 if product.rate > 0.04 else 8.0,
            scenario=product.scenario,
            roles=product.roles,
        )
