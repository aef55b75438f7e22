"""The emulator's campaigns (contract §8a): created, listed a cursor page at a time, deleted."""

from __future__ import annotations

from typing import Any

from pwconf.emulator.fields import Handlers, _Call, _fail, _int, _present, _required, _string
from pwconf.emulator.store import Application

# A small page, so that a few campaigns already take several getCampaigns calls [decided].
CAMPAIGN_PAGE_SIZE = 2


def campaign_of(app: Application, code: Any, path: str) -> str:
    """`code` as a campaign of `app`, else a 210 naming `path`."""
    _string(code, path)
    if code not in app.campaigns:
        _fail(f"Invalid {path}: campaign {code!r} not found in this application")
    return code


class CampaignMethods(Handlers):
    def create_campaign(self, call: _Call) -> Any:
        app = self._application(call)
        name = _string(_required(call.request, "name", "name"), "name")
        description = None
        if _present(call.request, "description"):
            description = _string(call.request["description"], "description", empty_ok=True)
        if any(c["name"] == name for c in app.campaigns.values()):
            _fail("Campaign already exists")  # [decided] names unique within an application
        code = self.store.new_code()
        app.campaigns[code] = {"code": code, "name": name, "description": description}
        self._changed()
        return {"campaign": code}

    def get_campaigns(self, call: _Call) -> Any:
        """One page; the cursor is the offset of the next page, empty on the last [decided]."""
        app = self._application(call)
        limit = CAMPAIGN_PAGE_SIZE
        if _present(call.request, "limit"):
            limit = min(limit, _int(call.request["limit"], "limit", low=1))
        start = 0
        if call.request.get("cursor"):
            cursor = _string(call.request["cursor"], "cursor")
            if not cursor.isdigit():
                _fail("Invalid cursor: not a cursor of getCampaigns")
            start = int(cursor)
        campaigns = list(app.campaigns.values())
        page = campaigns[start : start + limit]
        after = start + len(page)
        return {
            "campaigns": [dict(c) for c in page],
            "limit": limit,
            "cursor": str(after) if after < len(campaigns) else "",
        }

    def delete_campaign(self, call: _Call) -> Any:
        code = _string(_required(call.request, "campaign", "campaign"), "campaign")
        app = self._campaign_application(call, code)
        app.drop_campaign(code)
        self._changed()
        return None

    def _campaign_application(self, call: _Call, code: str) -> Application:
        for app in call.account.applications.values():
            if code in app.campaigns:
                return self._application_by_code(call, app.code)
        _fail("Campaign not found")
