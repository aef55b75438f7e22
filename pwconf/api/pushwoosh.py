"""One function per Pushwoosh method (contract §2–§8a), each returning a CallResult.

Deletes go through `client.delete()` (already gone counts as done) and creates through
`client.create()` with a read-back finding the entity by its title or name, so a create whose
response was lost is never duplicated. [decided] Names are unique within an application (tags:
the account); titles are not documented as unique (§2): pwconf requires them unique within what
it manages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from pwconf.api.client import ALREADY_GONE, ApiClient, CallResult
from pwconf.api.shapes import Checked, read_answer
from pwconf.errors import ArgumentError, OutcomeUnknown

Rows = list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Read:
    """One read call as data (the fetch sends it from its pool). Its rows: what is under `key` in
    the checked answer (all of it if None); `known`: what pwconf knew before (a listed row)."""

    method: str
    fields: dict[str, Any]
    key: str | None
    known: Mapping[str, Any] = field(default_factory=dict)
    # A paged list: the read of the next page from this page's checked answer, None after the last.
    next_page: Callable[[dict[str, Any]], Read | None] | None = None

    def check(self, response: Any) -> Checked:
        """The answer's `response` in the contract's form; raises UnreadableAnswer."""
        return read_answer(self.method, response, {**self.fields, **self.known})


def _compact(**fields: Any) -> dict[str, Any]:
    """The fields that are set (None means "not sent")."""
    return {name: value for name, value in fields.items() if value is not None}


def page_count(applications_page: dict[str, Any]) -> int:
    """How many pages getApplications has, from any page ([decided] `total` counts pages)."""
    return int(applications_page["total"] or 1)


def page_titles(applications_page: dict[str, Any]) -> dict[str, str]:
    """The {code: title} of one page of getApplications."""
    return dict(applications_page["applications"])


class Reads:
    """Every read method as a Read, sent by Pushwoosh's methods below and by the fetch."""

    @staticmethod
    def get_applications(page: int) -> Read:
        """One page; its one row is the response itself ({"applications", "total"})."""
        return Read("getApplications", {"page": page}, None)

    @staticmethod
    def get_application(code: str | None) -> Read:
        return Read("getApplication", {"application": code}, "application")

    @staticmethod
    def list_tags() -> Read:
        return Read("listTags", {}, "tags")

    @staticmethod
    def list_filters(application: str | None = None) -> Read:
        """Without `application`, every filter of the account [decided §5]; with it, those the
        application can use (for a server that requires it, §11)."""
        return Read("listFilters", _compact(application=application), "filters")

    @staticmethod
    def list_presets(app: str | None) -> Read:
        return Read("listPresets", {"application": app}, "presets")

    @staticmethod
    def get_preset(code: str, listed_row: dict[str, Any] | None = None) -> Read:
        """`listed_row` (its row of listPresets) gives the name where the answer leaves it out."""
        return Read("getPreset", {"preset_code": code}, "preset", listed_row or {})

    @staticmethod
    def list_clusters(app: str | None) -> Read:
        return Read("listGeoZoneClusters", {"application": app}, "clusters")

    @staticmethod
    def list_geozones(app: str | None) -> Read:
        return Read("listGeoZones", {"application": app}, "geoZones")

    @staticmethod
    def get_campaigns(app: str | None, cursor: str | None = None) -> Read:
        """One page of campaigns; its `next_page` passes the cursor back until it comes back
        empty ([decided] §8a)."""

        def next_page(response: dict[str, Any]) -> Read | None:
            return Reads.get_campaigns(app, response["cursor"]) if response["cursor"] else None

        fields = _compact(application=app, cursor=cursor)
        return Read("getCampaigns", fields, "campaigns", next_page=next_page)


def _found(method: str, response: Any) -> CallResult:
    """A CallResult shaped like the one a successful create would have returned."""
    return CallResult(method, http_status=200, status_code=200, message="OK", response=response)


def _by_name(rows: Rows, name: str) -> dict[str, Any] | None:
    return next((row for row in rows if row["name"] == name), None)


class Pushwoosh:
    """The Pushwoosh management methods over one ApiClient."""

    def __init__(self, client: ApiClient) -> None:
        self.client = client

    def send(self, read: Read) -> CallResult:
        """One read call, its answer as it came (raises ApiError)."""
        return self.client.call(read.method, read.fields, kind="read")

    def rows(self, read: Read | None, on_page: Callable[[bool], None] | None = None) -> Rows:
        """The rows of a read and of every page after it, one call at a time (a page's cursor
        comes with the page before); `on_page(more)` after each page."""
        rows: Rows = []
        while read is not None:
            checked = read.check(self.send(read).response).response
            page = checked if read.key is None else checked[read.key]
            rows += page if isinstance(page, list) else [page]
            read = read.next_page(checked) if read.next_page else None
            if on_page:
                on_page(read is not None)
        return rows

    def read(self, read: Read) -> CallResult:
        """The call, its `response` read through the method's shape."""
        result = self.send(read)
        return replace(result, response=read.check(result.response).response)

    def _create(
        self, method: str, fields: dict[str, Any], find: Callable[[], CallResult | None] | None
    ) -> CallResult:
        """A create (client.create), its `response` read through the method's shape."""
        result = self.client.create(method, fields, find)
        return replace(result, response=read_answer(method, result.response, fields).response)

    def application_pages(self) -> Iterator[dict[str, str]]:
        """Each page's {code: title}, page 1 first, sequentially."""
        page, total = 1, 1
        while page <= total:
            response = self.read(Reads.get_applications(page)).response
            yield page_titles(response)
            total = page_count(response)
            page += 1

    def all_application_pages(self) -> dict[str, str]:
        """Every application of the account as {code: title}."""
        return {code: title for page in self.application_pages() for code, title in page.items()}

    def create_application(
        self, title: str, sdk_ios: str | None = None, sdk_android: str | None = None
    ) -> CallResult:
        def find() -> CallResult | None:
            # [decided] titles are unique within what pwconf manages, so a title identifies it
            pages = self.application_pages()
            code = next((c for page in pages for c, t in page.items() if t == title), None)
            return _found("createApplication", {"application": code}) if code else None

        fields = _compact(title=title, sdk_ios=sdk_ios, sdk_android=sdk_android)
        return self._create("createApplication", fields, find)

    def update_application(self, code: str, **fields: Any) -> CallResult:
        return self.client.call("updateApplication", {"application": code, **fields}, kind="write")

    def delete_application(self, code: str) -> CallResult:
        return self.client.delete("deleteApplication", {"application": code})

    def configure_application(self, code: str, device_type: int, **fields: Any) -> CallResult:
        """Fields are the wire names of §2; credentials are write-only and never echoed."""
        request = {"application": code, "device_type": device_type, **fields}
        return self.client.call("configureApplication", request, kind="write")

    def add_tag(
        self,
        name: str,
        type_code: int,
        application_specific: bool = False,
        user_specific: bool = False,
    ) -> CallResult:
        def find() -> CallResult | None:
            found = _by_name(self.rows(Reads.list_tags()), name)
            return _found("addTag", {"result": True}) if found else None

        specific = {"application_specific": application_specific, "user_specific": user_specific}
        return self._create("addTag", {"tag": {"name": name, "type": type_code, **specific}}, find)

    def delete_tag(self, name: str) -> CallResult:
        # [decided] a missing name gives 210 "Tag not found": counted as already gone
        return self.client.delete("deleteTag", {"tag": {"name": name}})

    def create_event(
        self,
        app: str,
        name: str,
        description: str | None = None,
        attributes: list[dict[str, Any]] | None = None,
        track_revenue: bool = False,
    ) -> CallResult:
        """No method reads events back, so after an unknown outcome the write is retried and
        [decided] 210 "Event already exists" on that retry counts as "already existed"."""
        fields = _compact(application=app, name=name, description=description)
        fields |= {"eventAttributes": list(attributes or []), "trackRevenue": track_revenue}
        return self._create("createEvent", fields, None)

    def all_filters(self) -> Rows:
        """Every filter of the account: one account-wide listFilters, or one per application
        when the server refuses it without `application` (contract §11)."""
        try:
            return self.rows(Reads.list_filters())
        except ArgumentError:
            codes = self.all_application_pages()
        return [row for code in codes for row in self.rows(Reads.list_filters(code))]

    def create_filter(
        self,
        name: str,
        expression: str,
        application: str | None = None,
        expiration_date: str | None = None,
    ) -> CallResult:
        def find() -> CallResult | None:
            found = _by_name(self.all_filters(), name)
            return _found("createFilter", {"name": name}) if found else None

        optional = _compact(application=application, expiration_date=expiration_date)
        fields = {"name": name, "filter_expression": expression, **optional}
        return self._create("createFilter", fields, find)

    def delete_filter(self, name: str) -> CallResult:
        return self.client.delete("deleteFilter", {"name": name})

    def list_presets(self, app: str) -> CallResult:
        return self.read(Reads.list_presets(app))

    def find_preset_code(self, app: str, name: str) -> str | None:
        """The code of the preset named `name` in `app` ([decided] names unique per app)."""
        found = _by_name(self.rows(Reads.list_presets(app)), name)
        return found["code"] if found else None

    def create_preset(
        self,
        app: str,
        name: str,
        content: dict[str, Any],
        platforms: list[int],
        filter_name: str | None = None,
        send_rate: int | None = None,
        campaign: str | None = None,
    ) -> CallResult:
        def find() -> CallResult | None:
            # createPreset answers null [doc]
            found = self.find_preset_code(app, name) is not None
            return _found("createPreset", None) if found else None

        fields = _compact(
            name=name,
            applicationCode=app,
            campaignCode=campaign,
            content=content,
            scheduling={"sendRate": send_rate} if send_rate is not None else None,
            segmentation=_compact(filter=filter_name, platforms=list(platforms)),
        )
        return self._create("createPreset", fields, find)

    def delete_preset(self, code: str) -> CallResult:
        return self.client.delete("deletePreset", {"preset_code": code})

    def create_campaign(self, app: str, name: str, description: str | None) -> CallResult:
        def find() -> CallResult | None:
            found = _by_name(self.rows(Reads.get_campaigns(app)), name)
            return _found("createCampaign", {"campaign": found["code"]}) if found else None

        fields = _compact(application=app, name=name, description=description)
        return self._create("createCampaign", fields, find)

    def delete_campaign(self, code: str) -> CallResult:
        return self.client.delete("deleteCampaign", {"campaign": code})

    def add_cluster(self, app: str, name: str, cooldown: int) -> CallResult:
        def find() -> CallResult | None:
            found = _by_name(self.rows(Reads.list_clusters(app)), name)
            return _found("addGeoZoneCluster", {"GeoZoneCluster": found["code"]}) if found else None

        fields = {"application": app, "name": name, "cooldown": cooldown}
        return self._create("addGeoZoneCluster", fields, find)

    def delete_cluster(self, app: str, code: str) -> CallResult:
        fields = {"application": app, "geoZoneCluster": code}
        return self.client.delete("deleteGeoZoneCluster", fields)

    def list_geozones(self, app: str) -> CallResult:
        return self.read(Reads.list_geozones(app))

    def add_geozones(self, app: str, geozones: list[dict[str, Any]]) -> CallResult:
        """Add geozones (wire dicts); after an unknown outcome they are found by name ([decided]
        unique within an application). If only some are found, the outcome stays unknown
        (OutcomeUnknown): the caller finds each by its name (GeozoneKind.create_batch), or passes
        one geozone per call."""

        def find() -> CallResult | None:
            zones = self.rows(Reads.list_geozones(app))
            names = [zone["name"] for zone in geozones]
            found = [_by_name(zones, name) for name in names]
            missing = [name for name, zone in zip(names, found, strict=True) if zone is None]
            if len(missing) == len(names):
                return None
            if missing:
                raise OutcomeUnknown(
                    f"addGeoZone: only part of the batch exists after an unknown outcome; "
                    f"missing: {', '.join(missing)}",
                    method="addGeoZone",
                )
            return _found("addGeoZone", {"GeoZones": [zone["id"] for zone in found if zone]})

        return self._create("addGeoZone", {"application": app, "geozones": list(geozones)}, find)

    def update_geozone(self, app: str, geozone_id: int, **wire_fields: Any) -> CallResult:
        """[decided] an omitted field stays; None for `cluster`/`campaign` unbinds it."""
        fields = {"application": app, "geoZoneId": geozone_id, **wire_fields}
        return self.client.call("updateGeoZone", fields, kind="write")

    def delete_geozones(self, app: str, ids: list[int]) -> CallResult:
        """Delete geozones by id; if a batch is refused as "not found", delete what remains."""
        result = self.client.delete("deleteGeoZone", {"application": app, "geozones": list(ids)})
        if len(ids) < 2 or ALREADY_GONE not in result.notes:
            return result
        wanted = set(ids)
        remaining = [z["id"] for z in self.rows(Reads.list_geozones(app)) if z["id"] in wanted]
        if not remaining:
            return result
        return self.client.delete("deleteGeoZone", {"application": app, "geozones": remaining})
