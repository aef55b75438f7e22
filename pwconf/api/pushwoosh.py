"""One function per Pushwoosh method (contract §2–§8a), each returning a CallResult.

Reads use `kind="read"`, updates `kind="write"`, deletes `client.delete()` (already gone counts
as done) and creates `client.create()` with a read-back that finds the entity by its name, so a
create whose response was lost is never duplicated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from pwconf.api.client import ApiClient, CallResult
from pwconf.api.shapes import Checked, read_answer
from pwconf.errors import ArgumentError, OutcomeUnknown

Rows = list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Read:
    """One read call as data, so that the fetch can send it from its pool: the method, its
    fields, how to take the rows out of its answer once read through the method's shape
    (shapes.py), and what pwconf knew before the call (a listed row) for where the answer
    leaves it out."""

    method: str
    fields: dict[str, Any]
    pick: Callable[[dict[str, Any]], Rows]
    known: Mapping[str, Any] = field(default_factory=dict)
    # A paged list: the read of the next page from this page's checked answer, None after the last.
    next_page: Callable[[dict[str, Any]], Read | None] | None = None

    def check(self, response: Any) -> Checked:
        """The answer's `response` in the contract's form; raises UnreadableAnswer."""
        return read_answer(self.method, response, {**self.fields, **self.known})

    def rows(self, response: Any) -> Rows:
        return self.pick(self.check(response).response)

    def page(self, response: Any) -> tuple[Rows, Read | None]:
        """This page's rows and the read of the next page (None: no more pages)."""
        checked = self.check(response).response
        return self.pick(checked), self.next_page(checked) if self.next_page else None


def _listed(key: str) -> Callable[[dict[str, Any]], Rows]:
    """The rows under `key` of a checked response."""
    return lambda response: list(response[key])


def _one(key: str) -> Callable[[dict[str, Any]], Rows]:
    """The one row under `key` of a checked response."""
    return lambda response: [response[key]]


def _compact(**fields: Any) -> dict[str, Any]:
    """The fields that are set (None means "not sent")."""
    return {name: value for name, value in fields.items() if value is not None}


def page_count(applications_page: dict[str, Any]) -> int:
    """How many pages getApplications has, from any page ([decided] `total` counts pages)."""
    return int(applications_page["total"] or 1)


class Reads:
    """Every read method as a Read: sent by Pushwoosh's methods below, and by the fetch from
    its event loop."""

    @staticmethod
    def get_applications(page: int) -> Read:
        """One page; its one row is the response itself ({"applications", "total"})."""
        return Read("getApplications", {"page": page}, lambda response: [response])

    @staticmethod
    def get_application(code: str | None) -> Read:
        return Read("getApplication", {"application": code}, _one("application"))

    @staticmethod
    def list_tags() -> Read:
        return Read("listTags", {}, _listed("tags"))

    @staticmethod
    def list_filters(application: str | None = None) -> Read:
        """Without `application`, every filter of the account [decided §5]; with it, those the
        application can use (for a server that requires it, §11)."""
        return Read("listFilters", _compact(application=application), _listed("filters"))

    @staticmethod
    def list_presets(app: str | None) -> Read:
        return Read("listPresets", {"application": app}, _listed("presets"))

    @staticmethod
    def get_preset(code: str, listed_row: dict[str, Any] | None = None) -> Read:
        """The preset in full; `listed_row` (its row of listPresets) gives the name where the
        answer leaves it out."""
        known = {"name": listed_row["name"]} if listed_row else {}
        return Read("getPreset", {"preset_code": code}, _one("preset"), known)

    @staticmethod
    def list_clusters(app: str | None) -> Read:
        return Read("listGeoZoneClusters", {"application": app}, _listed("clusters"))

    @staticmethod
    def list_geozones(app: str | None) -> Read:
        return Read("listGeoZones", {"application": app}, _listed("geoZones"))

    @staticmethod
    def get_campaigns(app: str | None, cursor: str | None = None) -> Read:
        """One page of campaigns; its `next_page` passes the cursor back until it comes back
        empty ([decided] §8a)."""

        def next_page(response: dict[str, Any]) -> Read | None:
            return Reads.get_campaigns(app, response["cursor"]) if response["cursor"] else None

        fields = _compact(application=app, cursor=cursor)
        return Read("getCampaigns", fields, _listed("campaigns"), next_page=next_page)


def _found(method: str, response: Any) -> CallResult:
    """A CallResult shaped like the one a successful create would have returned."""
    return CallResult(
        method=method, http_status=200, status_code=200, message="OK", response=response
    )


def _by_name(items: Any, name: str, key: str = "name") -> dict[str, Any] | None:
    for item in items or []:
        if isinstance(item, dict) and item.get(key) == name:
            return item
    return None


class Pushwoosh:
    """The Pushwoosh management methods over one ApiClient."""

    def __init__(self, client: ApiClient) -> None:
        self.client = client

    def __repr__(self) -> str:
        return f"Pushwoosh({self.client!r})"

    def _read(self, read: Read) -> CallResult:
        """The call, its `response` read through the method's shape."""
        result = self.client.call(read.method, read.fields, kind="read")
        return replace(result, response=read.check(result.response).response)

    def _rows(self, read: Read | None) -> Rows:
        """The rows of a read and of every page after it."""
        rows: Rows = []
        while read is not None:
            result = self.client.call(read.method, read.fields, kind="read")
            page, read = read.page(result.response)
            rows += page
        return rows

    @staticmethod
    def _checked(result: CallResult, fields: dict[str, Any]) -> CallResult:
        """A write's result, its `response` read through the method's shape."""
        return replace(
            result, response=read_answer(result.method, result.response, fields).response
        )

    def _write(self, method: str, fields: dict[str, Any]) -> CallResult:
        return self.client.call(method, fields, kind="write")

    # ---- applications (§2) ---------------------------------------------------------------

    def get_applications(self, page: int = 1) -> CallResult:
        return self._read(Reads.get_applications(page))

    def get_application(self, code: str) -> CallResult:
        return self._read(Reads.get_application(code))

    def application_pages(self) -> Iterator[dict[str, str]]:
        """Each page's {code: title}, page 1 first, sequentially."""
        page, total = 1, 1
        while page <= total:
            response = self.get_applications(page).response
            yield dict(response["applications"])
            total = page_count(response)
            page += 1

    def all_application_pages(self) -> dict[str, str]:
        """Every application of the account as {code: title} (sequential convenience)."""
        applications: dict[str, str] = {}
        for page in self.application_pages():
            applications.update(page)
        return applications

    def find_application_code(self, title: str) -> str | None:
        """The code of the application with exactly this title, scanning page by page."""
        for page in self.application_pages():
            for code, page_title in page.items():
                if page_title == title:
                    return code
        return None

    def create_application(
        self, title: str, sdk_ios: str | None = None, sdk_android: str | None = None
    ) -> CallResult:
        fields = _compact(title=title, sdk_ios=sdk_ios, sdk_android=sdk_android)

        def find() -> CallResult | None:
            # [decided] titles are unique within what pwconf manages, so a title identifies it
            code = self.find_application_code(title)
            return _found("createApplication", {"application": code}) if code else None

        return self._checked(self.client.create("createApplication", fields, find), fields)

    def update_application(self, code: str, **fields: Any) -> CallResult:
        return self._write("updateApplication", {"application": code, **fields})

    def delete_application(self, code: str) -> CallResult:
        return self.client.delete("deleteApplication", {"application": code})

    def configure_application(self, code: str, device_type: int, **fields: Any) -> CallResult:
        """Fields are the wire names of §2; credentials are write-only and never echoed."""
        request = {"application": code, "device_type": device_type, **fields}
        return self._write("configureApplication", request)

    # ---- tags (§3) -----------------------------------------------------------------------

    def list_tags(self) -> CallResult:
        return self._read(Reads.list_tags())

    def add_tag(
        self,
        name: str,
        type_code: int,
        application_specific: bool = False,
        user_specific: bool = False,
    ) -> CallResult:
        tag = {
            "name": name,
            "type": type_code,
            "application_specific": application_specific,
            "user_specific": user_specific,
        }

        def find() -> CallResult | None:
            tag_found = _by_name(self._rows(Reads.list_tags()), name)
            return _found("addTag", {"result": True}) if tag_found else None

        return self.client.create("addTag", {"tag": tag}, find)

    def delete_tag(self, name: str) -> CallResult:
        # [decided] a missing name gives 210 "Tag not found": counted as already gone
        return self.client.delete("deleteTag", {"tag": {"name": name}})

    # ---- events (§4) ---------------------------------------------------------------------

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
        fields = _compact(
            application=app,
            name=name,
            description=description,
            eventAttributes=list(attributes or []),
            trackRevenue=track_revenue,
        )
        return self.client.create("createEvent", fields, None)

    # ---- segments / filters (§5) ---------------------------------------------------------

    def list_filters(self, application: str | None = None) -> CallResult:
        return self._read(Reads.list_filters(application))

    def all_filters(self) -> Rows:
        """Every filter of the account: one account-wide listFilters, or one per application
        when the server refuses it without `application` (the current documentation marks it
        required, contract §11)."""
        try:
            return self._rows(Reads.list_filters())
        except ArgumentError:
            codes = [code for page in self.application_pages() for code in page]
        return [row for code in codes for row in self._rows(Reads.list_filters(code))]

    def create_filter(
        self,
        name: str,
        expression: str,
        application: str | None = None,
        expiration_date: str | None = None,
    ) -> CallResult:
        fields = _compact(
            name=name,
            filter_expression=expression,
            application=application,
            expiration_date=expiration_date,
        )

        def find() -> CallResult | None:
            found = _by_name(self.all_filters(), name)
            return _found("createFilter", {"name": name}) if found else None

        return self.client.create("createFilter", fields, find)

    def delete_filter(self, name: str) -> CallResult:
        return self.client.delete("deleteFilter", {"name": name})

    # ---- presets (§6) --------------------------------------------------------------------

    def list_presets(self, app: str) -> CallResult:
        return self._read(Reads.list_presets(app))

    def get_preset(self, code: str) -> CallResult:
        return self._read(Reads.get_preset(code))

    def find_preset_code(self, app: str, name: str) -> str | None:
        """The code of the preset named `name` in `app` ([decided] names unique per app).

        createPreset returns null [doc]. (An apply reads the codes with PresetKind.read_back_codes,
        once per application and through the applier's observed API, so that the read shows in
        the apply report.)
        """
        found = _by_name(self._rows(Reads.list_presets(app)), name)
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
        segmentation = _compact(filter=filter_name, platforms=list(platforms))
        fields = _compact(
            name=name,
            applicationCode=app,
            campaignCode=campaign,
            content=content,
            scheduling={"sendRate": send_rate} if send_rate is not None else None,
            segmentation=segmentation,
        )

        def find() -> CallResult | None:
            found = _by_name(self._rows(Reads.list_presets(app)), name)
            return _found("createPreset", None) if found else None  # createPreset → null

        return self.client.create("createPreset", fields, find)

    def delete_preset(self, code: str) -> CallResult:
        return self.client.delete("deletePreset", {"preset_code": code})

    # ---- campaigns (§8a) -----------------------------------------------------------------

    def list_campaigns(self, app: str) -> Rows:
        """Every campaign of `app`, each page one call."""
        return self._rows(Reads.get_campaigns(app))

    def create_campaign(self, app: str, name: str, description: str | None) -> CallResult:
        fields = _compact(application=app, name=name, description=description)

        def find() -> CallResult | None:
            # [decided] campaign names are unique within an application
            found = _by_name(self.list_campaigns(app), name)
            return _found("createCampaign", {"campaign": found["code"]}) if found else None

        return self._checked(self.client.create("createCampaign", fields, find), fields)

    def delete_campaign(self, code: str) -> CallResult:
        return self.client.delete("deleteCampaign", {"campaign": code})

    # ---- geozone clusters (§7) -----------------------------------------------------------

    def list_clusters(self, app: str) -> CallResult:
        return self._read(Reads.list_clusters(app))

    def add_cluster(self, app: str, name: str, cooldown: int) -> CallResult:
        fields = {"application": app, "name": name, "cooldown": cooldown}

        def find() -> CallResult | None:
            # [decided] cluster names are unique within an application
            found = _by_name(self._rows(Reads.list_clusters(app)), name)
            return _found("addGeoZoneCluster", {"GeoZoneCluster": found["code"]}) if found else None

        return self._checked(self.client.create("addGeoZoneCluster", fields, find), fields)

    def delete_cluster(self, app: str, code: str) -> CallResult:
        return self.client.delete(
            "deleteGeoZoneCluster", {"application": app, "geoZoneCluster": code}
        )

    # ---- geozones (§8) -------------------------------------------------------------------

    def list_geozones(self, app: str) -> CallResult:
        return self._read(Reads.list_geozones(app))

    def add_geozones(self, app: str, geozones: list[dict[str, Any]]) -> CallResult:
        """Add geozones (wire dicts); after an unknown outcome they are found by name.

        [decided] geozone names are unique within an application. If only some of a batch
        are found, the outcome stays unknown (OutcomeUnknown): the caller finds each one by its
        name (GeozoneKind.create_batch), or passes one geozone per call.
        """
        names = [zone["name"] for zone in geozones]
        fields = {"application": app, "geozones": list(geozones)}
        result = self.client.create("addGeoZone", fields, self._geozone_finder(app, names))
        return self._checked(result, fields)

    def _geozone_finder(self, app: str, names: list[str]) -> Callable[[], CallResult | None]:
        def find() -> CallResult | None:
            zones = self._rows(Reads.list_geozones(app))
            found = [_by_name(zones, name) for name in names]
            if not any(found):
                return None
            if not all(found):
                missing = [n for n, zone in zip(names, found, strict=True) if zone is None]
                raise OutcomeUnknown(
                    f"addGeoZone: only part of the batch exists after an unknown outcome; "
                    f"missing: {', '.join(missing)}",
                    method="addGeoZone",
                )
            ids = [zone["id"] for zone in found if zone is not None]
            return _found("addGeoZone", {"GeoZones": ids})

        return find

    def update_geozone(self, app: str, geozone_id: int, **wire_fields: Any) -> CallResult:
        """[decided] an omitted field stays; None for `cluster`/`campaign` unbinds it."""
        fields = {"application": app, "geoZoneId": geozone_id, **wire_fields}
        return self._write("updateGeoZone", fields)

    def delete_geozones(self, app: str, ids: list[int]) -> CallResult:
        """Delete geozones by id; if a batch is refused as "not found", delete what remains."""
        result = self.client.delete("deleteGeoZone", {"application": app, "geozones": list(ids)})
        if len(ids) < 2 or "already gone" not in result.notes:
            return result
        zones = self._rows(Reads.list_geozones(app))
        remaining = [zone["id"] for zone in zones if zone["id"] in set(ids)]
        if not remaining:
            return result
        return self.client.delete("deleteGeoZone", {"application": app, "geozones": remaining})
