"""Files merge into one DesiredState; entity attrs have exactly the planner's shape."""

from __future__ import annotations

import pytest

from pwconf.errors import ManifestError, Position
from pwconf.manifest import load_desired
from pwconf.model import Address, DesiredState
from tests.manifest.conftest import Write
from tests.manifest.helpers import find, run, where

FULL = """
version: 1
settings:
  prune: [tags, geozone_clusters]
tags:
  Age: {type: integer}
  Team: {type: string, application_specific: true, user_specific: true}
segments:
  adults:
    expression: "  T(\\"Age\\", GTE, 18)  "
  gold:
    expression: A(@shop)
    application: shop
    expiration_date: 2027-06-30
applications:
  shop:
    title: Shop
    code: ABCDE-12345
    sdk_ios: corona
    events:
      Purchase:
        attributes: {amount: price}
      Open: {description: App opened, track_revenue: false}
    campaigns:
      autumn: {description: Autumn reads}
    presets:
      welcome:
        segment: adults
        campaign: autumn
        platforms: [iOS, Android]
        content:
          message: Hi
          subtitle: {en: Sub}
          user_data: {a: 1}
        send_rate: 100
      bare:
        platforms: [Chrome]
        content: {message: {en: Hello}}
    geozone_clusters:
      downtown: {cooldown: 60}
    geozones:
      flagship: {lat: 40, lng: -74, range: 50.0, cooldown: 0, preset: welcome, cluster: downtown,
                 campaign: autumn}
      airport: {lat: 1.5, lng: 2.5, range: 1000, cooldown: 10, content: {de: Hallo}}
"""


@pytest.fixture
def state(write: Write) -> DesiredState:
    write("m.yaml", FULL)
    return load_desired([], {}, {})


def attrs(state: DesiredState, kind: str, app: str | None, name: str) -> dict:
    return state.entities[Address(kind, app, name)].attrs


def test_counts_files_and_settings(state: DesiredState) -> None:
    assert state.counts() == {
        "application": 1,
        "tag": 2,
        "event": 2,
        "campaign": 1,
        "segment": 2,
        "preset": 2,
        "geozone_cluster": 1,
        "geozone": 2,
    }
    assert state.files == ["m.yaml"]
    assert state.prune == frozenset({"tag", "geozone_cluster"})


def test_application_attrs(state: DesiredState) -> None:
    app = state.entities[Address("application", None, "shop")]
    assert app.attrs == {
        "title": "Shop",
        "sdk_ios": "corona",
        "sdk_android": None,
        "ios": None,
        "android": None,
    }
    assert app.code == "ABCDE-12345"
    assert app.position == Position("m.yaml", 15, 3)
    assert app.field_positions["title"] == Position("m.yaml", 16, 12)


def test_tag_segment_event_attrs_with_defaults(state: DesiredState) -> None:
    assert attrs(state, "tag", None, "Age") == {
        "type": "integer",
        "application_specific": False,
        "user_specific": False,
    }
    assert attrs(state, "tag", None, "Team")["application_specific"] is True
    assert attrs(state, "segment", None, "adults") == {
        "expression": 'T("Age", GTE, 18)',
        "application": None,
        "expiration_date": None,
    }
    assert attrs(state, "segment", None, "gold") == {
        "expression": "A(@shop)",
        "application": "shop",
        "expiration_date": "2027-06-30",
    }
    assert attrs(state, "event", "shop", "Purchase") == {
        "description": None,
        "track_revenue": False,
        "attributes": {"amount": "price"},
    }
    assert attrs(state, "event", "shop", "Open") == {
        "description": "App opened",
        "track_revenue": False,
        "attributes": {},
    }


def test_preset_attrs_keep_only_the_content_keys_given(state: DesiredState) -> None:
    assert attrs(state, "preset", "shop", "welcome") == {
        "segment": "adults",
        "platforms": ["iOS", "Android"],
        "content": {"message": "Hi", "subtitle": {"en": "Sub"}, "user_data": {"a": 1}},
        "send_rate": 100,
        "campaign": "autumn",
    }
    assert attrs(state, "preset", "shop", "bare") == {
        "segment": None,
        "platforms": ["Chrome"],
        "content": {"message": {"en": "Hello"}},
        "send_rate": None,
        "campaign": None,
    }
    assert attrs(state, "campaign", "shop", "autumn") == {"description": "Autumn reads"}


def test_geozone_and_cluster_attrs_have_exact_types(state: DesiredState) -> None:
    zone = attrs(state, "geozone", "shop", "flagship")
    assert zone == {
        "lat": 40.0,
        "lng": -74.0,
        "range": 50,
        "cooldown": 0,
        "preset": "welcome",
        "content": None,
        "cluster": "downtown",
        "campaign": "autumn",
    }
    assert type(zone["lat"]) is float and type(zone["range"]) is int
    assert attrs(state, "geozone", "shop", "airport")["content"] == {"de": "Hallo"}
    assert attrs(state, "geozone_cluster", "shop", "downtown") == {"cooldown": 60}


def test_every_value_has_a_field_position(state: DesiredState) -> None:
    preset = state.entities[Address("preset", "shop", "welcome")]
    assert preset.position == Position("m.yaml", 26, 7)
    assert preset.field_positions["content.subtitle.en"] == Position("m.yaml", 32, 26)
    assert preset.field_positions["platforms.1"] == Position("m.yaml", 29, 26)
    assert set(preset.field_positions) >= {
        "segment",
        "platforms",
        "platforms.0",
        "content",
        "content.message",
        "content.user_data.a",
        "send_rate",
    }


def test_field_positions_read_like_a_dict_of_positions(state: DesiredState) -> None:
    zone = state.entities[Address("geozone", "shop", "flagship")]
    fields = zone.field_positions
    assert list(fields) == ["lat", "lng", "range", "cooldown", "preset", "cluster", "campaign"]
    assert len(fields) == 7 and "lat" in fields and "content" not in fields
    assert fields.get("content") is None
    assert dict(fields)["lng"] == Position("m.yaml", 41, 32)
    assert fields == {key: fields[key] for key in fields}
    other = state.entities[Address("geozone_cluster", "shop", "downtown")].field_positions
    assert dict(other) == {"cooldown": Position("m.yaml", 39, 28)}


def test_a_files_document_is_gone_before_the_next_file_is_read(
    write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    import weakref

    import pwconf.manifest as manifest

    loaded: list[weakref.ref[object]] = []
    still_alive: list[int] = []

    def load_document(*args: object) -> object:
        still_alive.append(sum(ref() is not None for ref in loaded))
        document = real(*args)
        loaded.append(weakref.ref(document))
        return document

    real = manifest.load_document
    monkeypatch.setattr(manifest, "load_document", load_document)
    write("a.yaml", FULL)
    write("b.yaml", "version: 1\ntags:\n  Plan: {type: string}\n")
    write("c.yaml", "version: 1\ntags:\n  Tier: {type: string}\n")
    state = load_desired([], {}, {})
    assert still_alive == [0, 0, 0]
    assert len(state.entities) > 10


# --- merging ------------------------------------------------------------------------------


def test_an_application_spread_over_files_merges(write: Write) -> None:
    write("a.yaml", "version: 1\napplications:\n  shop:\n    title: Shop\n    sdk_ios: pw\n")
    write(
        "b.yaml",
        """
        version: 1
        applications:
          shop:
            title: Shop
            geozone_clusters:
              downtown: {cooldown: 60}
        """,
    )
    write("c/d.yml", "version: 1\napplications:\n  shop:\n    sdk_android: pw\n")
    state = load_desired([], {}, {})
    app = state.entities[Address("application", None, "shop")]
    assert app.attrs["sdk_android"] == "pw" and app.attrs["sdk_ios"] == "pw"
    assert app.position == Position("a.yaml", 3, 3)
    assert app.field_positions["sdk_android"] == Position("c/d.yml", 4, 18)
    assert Address("geozone_cluster", "shop", "downtown") in state.entities
    assert state.files == ["a.yaml", "b.yaml", "c/d.yml"]


def test_an_entity_defined_twice_names_both_places(write: Write) -> None:
    write("a.yaml", "version: 1\ntags:\n  Age: {type: integer}\n")
    write("b.yaml", "version: 1\ntags:\n  Plan: {type: string}\n  Age: {type: integer}\n")
    problem = find(run().problems, "tag 'Age' is already defined at a.yaml:3")
    assert problem.position == Position("b.yaml", 4, 3)


def test_an_app_entity_defined_twice(write: Write) -> None:
    preset = "      w: {platforms: [iOS], content: {message: x}}\n"
    body = "version: 1\napplications:\n  shop:\n    presets:\n" + preset
    write("a.yaml", body.replace("    presets:", "    title: Shop\n    presets:"))
    write("b.yaml", body)
    problem = find(
        run().problems, "preset 'w' of application 'shop' is already defined at a.yaml:6"
    )
    assert where(problem) == (5, 7)


def test_conflicting_application_values_name_both_places(write: Write) -> None:
    write("a.yaml", "version: 1\napplications:\n  shop:\n    title: Shop\n")
    write("b.yaml", "version: 1\napplications:\n  shop:\n    title: Shop!\n")
    problem = find(run().problems, "'title' differs from the value set at a.yaml:4")
    assert problem.position == Position("b.yaml", 4, 12)


def test_conflicting_settings(write: Write) -> None:
    write("a.yaml", "version: 1\nsettings: {prune: [tags]}\n")
    write("b.yaml", "version: 1\nsettings: {prune: [tags]}\n")
    write("c.yaml", "version: 1\nsettings: {prune: [segments]}\n")
    problems = run().problems
    assert len(problems) == 1
    assert problems[0].position == Position("c.yaml", 2, 19)
    assert "settings.prune differs from the one set at a.yaml:2" in problems[0].message


def test_load_desired_raises_every_problem_sorted(write: Write) -> None:
    write("b.yaml", "version: 1\ntags:\n  X: {type: nope}\n  Y: {}\n")
    write("a.yaml", "version: 2\n")
    with pytest.raises(ManifestError) as caught:
        load_desired([], {}, {})
    places = [(p.position.file, p.position.line) for p in caught.value.problems if p.position]
    assert places == sorted(places) and len(places) == 3


def test_hidden_directories_are_skipped_and_explicit_files_read(write: Write) -> None:
    write(".git/config.yaml", "not: a manifest")
    write("notes.txt", "version: 1")
    write("m.yaml", "version: 1\n")
    assert run().valid
    assert run(["notes.txt"]).state.files == ["notes.txt"]
    assert run([".", "m.yaml"]).state.files == ["m.yaml"]  # read once
