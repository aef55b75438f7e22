"""Plan renderers: pure functions from a `Plan` to text, JSON or Markdown. They never print."""

from pwconf.render.json_plan import plan_to_dict, render_json
from pwconf.render.markdown import render_markdown
from pwconf.render.text import render_text

__all__ = ["plan_to_dict", "render_json", "render_markdown", "render_text"]
