"""Match keywords against the stored articles: pending scans, or ones asked here."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles import stored_matches
from articles.models import KeywordScan
from config_app.models import MonitoredKeyword


class Command(BaseCommand):
    help = (
        "Run the pending keyword scans: each matches one keyword against every "
        "stored article and creates its matches and alerts. Scans are asked for "
        "when a keyword is added or changed; a scan left by a stopped process "
        "runs again whole. --keyword/--group/--all ask for new scans first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--keyword",
            type=int,
            action="append",
            default=[],
            metavar="ID",
            help="Also scan this monitored keyword (repeatable).",
        )
        parser.add_argument(
            "--group",
            type=int,
            action="append",
            default=[],
            metavar="ID",
            help="Also scan every keyword of this keyword group (repeatable).",
        )
        parser.add_argument(
            "--all",
            action="store_true",
            dest="every_keyword",
            help="Also scan every monitored keyword.",
        )
        parser.add_argument(
            "--wait",
            type=float,
            default=None,
            metavar="SECONDS",
            help="Keep running, looking for new scans every SECONDS.",
        )

    def handle(
        self,
        *,
        keyword: list[int],
        group: list[int],
        every_keyword: bool,
        wait: float | None,
        verbosity: int,
        **options: Any,
    ) -> None:
        asked = self._keywords(keyword, group, every_keyword)
        if asked:
            stored_matches.request_scans(asked)
            if verbosity:
                self.stdout.write(f"Asked for {len(asked)} keyword scan(s).")
        while True:
            for scan in iter(stored_matches.run_next_scan, None):
                if verbosity:
                    self.stdout.write(self._line(scan))
            if wait is None:
                break
            time.sleep(wait)
        left = KeywordScan.objects.filter(finished_at__isnull=True).count()
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS("No scan pending.")
                if not left
                else self.style.WARNING(f"{left} scan(s) held by another worker.")
            )

    def _keywords(
        self, keyword_ids: list[int], group_ids: list[int], every: bool
    ) -> list[MonitoredKeyword]:
        keywords = MonitoredKeyword.objects.order_by("id")
        if every:
            return list(keywords)
        chosen = list(keywords.filter(pk__in=keyword_ids)) + list(
            keywords.filter(group_id__in=group_ids)
        )
        found_ids = {k.pk for k in chosen}
        missing = [pk for pk in keyword_ids if pk not in found_ids]
        found_groups = {k.group_id for k in chosen}
        missing += [pk for pk in group_ids if pk not in found_groups]
        if missing:
            raise CommandError(
                f"No monitored keyword or keyword group with id {missing[0]} "
                "(or the group has no keywords): see /keywords/ for the ids."
            )
        return list({k.pk: k for k in chosen}.values())

    def _line(self, scan: KeywordScan) -> str:
        if scan.error:
            return self.style.WARNING(f"“{scan.keyword}”: {scan.error}")
        return (
            f"“{scan.keyword}”: {scan.articles_matched:,} stored article(s) "
            f"mention it; {scan.matches_created:,} match(es) and "
            f"{scan.alerts_created:,} alert(s) added"
        )
