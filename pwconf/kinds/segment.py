"""Segments (Pushwoosh filters): account-wide, keyed by name; no update, so replace (§5)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from pwconf import segments
from pwconf.api.pushwoosh import Read, Reads
from pwconf.errors import Problem
from pwconf.kinds.base import ApplyContext, Declared, Exporting, Field, Kind, LiveView, at, suggest
from pwconf.kinds.tag import KIND as TAG
from pwconf.model import Address, Entity


def canonical_expression(text: str, code_to_handle: Mapping[str, str] | None = None) -> str:
    """One spelling per meaning, so whitespace or operator case never shows as a change."""
    parsed = _parsed(text)
    if parsed is None:
        return text.strip()  # unparsable live text is compared as it is
    expr, canonical = parsed
    return canonical or segments.format_expr(expr, code_to_handle=code_to_handle)


@lru_cache(maxsize=65536)
def _parsed(text: str) -> tuple[segments.Expr, str | None] | None:
    """The expression, and its canonical text when that cannot depend on `code_to_handle`
    (it names no application by code): the planner canonicalises each text more than once."""
    try:
        expr = segments.parse(text)
    except segments.SegmentSyntaxError:
        return None
    by_code = any(ref.code is not None for ref in segments.all_app_refs(expr))
    return expr, None if by_code else segments.format_expr(expr)


UNREADABLE_SHOWN = 5  # segments named in the plan's note about unreadable expressions
APP_CODE_RE = re.compile(r"^[0-9A-Z]{5}-[0-9A-Z]{5}$")
APPLICATION = "application"


def _expression_problems(text: str, declared: Declared) -> Iterator[tuple[str, int]]:
    try:
        expr = segments.parse(text)
    except segments.SegmentSyntaxError as exc:
        yield f"invalid expression: {exc.message}", exc.column
        return
    for ref in segments.all_app_refs(expr):
        if ref.handle is not None and not declared.is_declared(APPLICATION, None, ref.handle):
            known = declared.names(APPLICATION)
            yield (
                f"unknown application @{ref.handle}; an @handle names an application declared "
                f"under `applications:`{suggest(ref.handle, known)}",
                ref.column,
            )
        elif ref.handle is None and ref.code is not None and not APP_CODE_RE.match(ref.code):
            yield (
                f"{ref.code!r} is not an application code (XXXXX-XXXXX); write @handle for "
                "an application of the manifests",
                ref.column,
            )
    for term in segments.tag_terms(expr):
        yield from TAG.term_problems(term, declared)


class SegmentKind(Kind):
    name = "segment"
    text_field = "expression"
    # expiration_date needs no coercion: the loader keeps YAML dates as the text written
    fields = (Field("expression"), Field("application"), Field("expiration_date"))
    replaced_on_change = True
    per_application_when_refused = True

    def check(self, declared: Declared) -> Iterator[Problem]:
        """The application a segment is bound to is declared; its expression is one of the
        segmentation language, naming declared applications and tags the way their types take."""
        for segment in declared.of_kind(self.name):
            application = segment.attrs["application"]
            if application and not declared.is_declared(APPLICATION, None, application):
                hint = suggest(application, declared.names(APPLICATION))
                yield Problem(
                    f"segment {segment.name!r} is bound to application {application!r}, which "
                    f"is not declared under `applications:`{hint}",
                    at(segment, "application"),
                )
            for message, column in _expression_problems(segment.attrs["expression"], declared):
                position = declared.position_in(segment, "expression", column)
                yield Problem(f"segment {segment.name!r}: {message}", position)

    def normalize(self, attrs: Mapping[str, Any], view: LiveView | None = None) -> dict[str, Any]:
        # A manifest may name a managed application by its code; the live side shows the
        # handle, so both are brought to the handle.
        handles = view.handle_by_code if view else None
        expression = canonical_expression(attrs["expression"], handles)
        return {**super().normalize(attrs), "expression": expression}

    def comparison_notes(
        self, found: Mapping[Address, Entity], desired: Mapping[Address, Entity]
    ) -> list[str]:
        unreadable = [
            address.name
            for address, entity in found.items()
            if address in desired and _parsed(entity.attrs["expression"]) is None
        ]
        if not unreadable:
            return []
        shown = ", ".join(repr(name) for name in sorted(unreadable)[:UNREADABLE_SHOWN])
        more = len(unreadable) - UNREADABLE_SHOWN
        shown += f" and {more} more" if more > 0 else ""
        return [
            f"{self.label(len(unreadable))} {shown}: pwconf cannot read the expression the "
            "account holds, so it is compared with the manifests as text"
        ]

    def from_manifest(self, body: Mapping[str, Any]) -> dict[str, Any]:
        # The expression stays as written, so validation can point inside it.
        return {**super().normalize(body), "expression": body["expression"].strip()}

    def export(self, entity: Entity, export: Exporting) -> dict[str, Any] | None:
        """Only what `pwconf validate` accepts."""
        why = self._left_out_because(entity, export)
        if why is None:
            return super().export(entity, export)
        export.left_out[entity.address] = why
        export.notes.append(f"segment {entity.name!r}: {why}")
        return None

    @staticmethod
    def _left_out_because(entity: Entity, export: Exporting) -> str | None:
        bound = entity.attrs.get("application")
        if bound is not None and Address(APPLICATION, None, bound) not in export.written:
            return f"bound to application {bound}, which was not exported"
        try:
            expr = segments.parse(entity.attrs["expression"])
        except segments.SegmentSyntaxError as exc:
            return f"pwconf cannot read its expression: {exc.message} at column {exc.column}"
        codes = sorted({ref.code for ref in segments.all_app_refs(expr) if ref.code})
        if codes:
            noun = "application" if len(codes) == 1 else "applications"
            export.notes.append(
                f"segment {entity.name!r}: names {noun} {', '.join(codes)} by code "
                "(not exported, so no @handle)"
            )
        for term in segments.tag_terms(expr):
            tag = export.live(Address(TAG.name, None, term.tag))
            problem = TAG.exported_term_problem(term, tag)
            if problem is not None:
                return f"validate would refuse its expression: {problem}"
        return None

    def references(self, entity: Entity) -> list[Address]:
        bound = entity.attrs.get("application")
        refs = [Address(APPLICATION, None, bound)] if bound else []
        parsed = _parsed(entity.attrs["expression"])
        if parsed is not None:
            expr = parsed[0]
            refs += [
                Address(APPLICATION, None, r.handle) for r in segments.app_refs(expr) if r.handle
            ]
            refs += [Address(TAG.name, None, t.tag) for t in segments.tag_terms(expr)]
        return list(dict.fromkeys(refs))

    def certain_failures(self, entity: Entity, application_codes: set[str]) -> list[str]:
        parsed = _parsed(entity.attrs["expression"])
        codes = [ref.code for ref in segments.all_app_refs(parsed[0])] if parsed else []
        return [
            f"the expression names application {code}, which the account does not have"
            for code in dict.fromkeys(codes)
            if code is not None and code not in application_codes
        ]

    def list_read(self, app_code: str | None) -> Read:
        # Without `application`, listFilters returns every filter of the account [decided §5];
        # with it, the filters of that application (for a server that requires it, §11).
        return Reads.list_filters(app_code)

    def to_entity(self, raw: dict[str, Any], app: str | None, view: LiveView) -> Entity | None:
        expression = canonical_expression(raw.get("filter_expression") or "", view.handle_by_code)
        code = raw.get("application")
        application = None if code is None else view.handle_by_code.get(code, code)
        return super().to_entity(
            {**raw, "expression": expression, "application": application}, None, view
        )

    def create(self, api: Any, entity: Entity, ctx: ApplyContext) -> None:
        attrs = entity.attrs
        expression = segments.format_expr(
            segments.parse(attrs["expression"]), handle_to_code=ctx.view.code_by_handle
        )
        application = attrs.get("application")
        api.create_filter(
            entity.name,
            expression,
            application=ctx.app_code(application) if application else None,
            expiration_date=attrs.get("expiration_date"),
        )

    def delete(self, api: Any, live: Entity, ctx: ApplyContext) -> None:
        api.delete_filter(live.name)


KIND = SegmentKind()
