"""The report ("bilan") for the library's board: static SVG charts and a PDF.

Charts are drawn by pygal as plain SVG, without its JavaScript, so that they
show in a page with JavaScript off and print as vectors in WeasyPrint. The PDF
is rendered from ``templates/pdf/report.html`` with ``static/css/report.css``
and the Atkinson Hyperlegible font shipped in ``static/fonts/``.
"""

import base64
import functools

from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _

from cryptoparty.core.security import static_folder
from cryptoparty.core.templating import render_page
from cryptoparty.core.validation import safe_line
from cryptoparty.figures.services import EventReport, HistoryRow

FONT = "'Atkinson Hyperlegible', 'DejaVu Sans', sans-serif"
# Dark enough for white values printed inside the bars.
INK, MUTED, BRAND, TEAL = "#1b1f24", "#4a5561", "#0f4c5c", "#2f7f95"
OK, GOLD, WARN, LINE = "#1e6b3a", "#8a6d00", "#b34700", "#d9dde2"


@functools.cache
def _style():
    """pygal's style for every chart (pygal is imported on first use, not at start)."""
    from pygal.style import Style

    return Style(
        background="white", plot_background="white", foreground=INK, foreground_strong=INK,
        foreground_subtle=LINE, opacity="1", opacity_hover="1", transition="none",
        colors=(BRAND, OK, TEAL, WARN, MUTED), value_colors=("white", "white"),
        guide_stroke_color=LINE, major_guide_stroke_color=LINE,
        guide_stroke_dasharray="1,0", major_guide_stroke_dasharray="1,0",
        font_family=FONT, label_font_family=FONT, major_label_font_family=FONT,
        value_font_family=FONT, value_label_font_family=FONT, title_font_family=FONT,
        legend_font_family=FONT, tooltip_font_family=FONT,
        label_font_size=13, major_label_font_size=13, value_font_size=13,
        value_label_font_size=13, legend_font_size=13, title_font_size=15,
    )


def _chart(kind: str, **options):
    """A pygal chart (``kind`` names its class) for static output: no script, no tooltips."""
    import pygal

    config = dict(style=_style(), js=[], disable_xml_declaration=True, explicit_size=True,
                  width=720, height=300, print_values=True, show_legend=False,
                  show_y_guides=True, margin=12, spacing=14, truncate_label=-1,
                  truncate_legend=-1, no_data_text=_("No data yet"), pretty_print=False)
    config.update(options)
    return getattr(pygal, kind)(**config)


def _render(chart) -> str:
    """The chart as SVG text without any <script>.

    ``js=[]`` drops pygal's external scripts, but pygal still writes an inline
    configuration script; it is removed here, so the SVG holds no code at all.
    """
    from pygal.etree import etree

    # Labels come from stored titles: SVG (XML) holds no control character.
    if chart.x_labels:
        chart.x_labels = [safe_line(label) if isinstance(label, str) else label
                          for label in chart.x_labels]
    root = chart.render_tree()
    for parent in list(root.iter()):
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    return etree.tostring(root, encoding="unicode")


def _integer(value):
    return format_decimal(value or 0, format="#,##0")


def _integer_ticks(highest: int) -> list[int]:
    """About five round, whole ticks from 0 to at least ``highest``."""
    steps = (m * 10 ** e for e in range(9) for m in (1, 2, 5))
    step = next(s for s in steps if highest / s <= 5)
    return list(range(0, max(highest, 1) + step, step))


def attendance_chart(report: EventReport) -> str:
    """Registered, checked in, walk-ins and no-shows as horizontal bars (SVG)."""
    bars = [(_("Registered"), report.registered, BRAND),
            (_("Checked in"), report.checked_in, OK),
            (_("Walk-ins"), report.walk_ins, TEAL)]
    if report.no_shows is not None:
        bars.append((_("No-shows"), report.no_shows, WARN))
    bars.reverse()  # pygal draws the first bar at the bottom
    chart = _chart("HorizontalBar", height=30 + 44 * len(bars), value_formatter=_integer,
                   show_x_labels=False, show_y_guides=False, show_x_guides=False)
    chart.x_labels = [label for label, _value, _color in bars]
    chart.add("", [{"value": value, "color": color} for _label, value, color in bars])
    return _render(chart)


def fill_chart(report: EventReport) -> str:
    """Fill rate of each workshop (confirmed seats over capacity), in per cent (SVG)."""
    workshops = list(reversed(report.workshops))  # first workshop on top
    chart = _chart("HorizontalBar", height=60 + 34 * max(len(workshops), 1),
                   range=(0, 100), y_labels=[0, 25, 50, 75, 100],
                   value_formatter=lambda v: format_percent((v or 0) / 100))
    chart.x_labels = [w.title for w in workshops]
    values = []
    for w in workshops:
        percent = round(100 * w.fill_rate)
        color = OK if percent >= 75 else (GOLD if percent >= 40 else WARN)
        values.append({"value": percent, "color": color})
    chart.add(_("Fill rate"), values)
    return _render(chart)


def ratings_chart(report: EventReport) -> str:
    """How many people gave each rating, 1 to 5 (SVG)."""
    ratings = report.feedback.ratings
    chart = _chart("Bar", height=240, value_formatter=_integer, print_zeroes=False,
                   y_labels=_integer_ticks(max(ratings.values())),
                   x_title=_("Rating (1 = poor, 5 = excellent)"))
    chart.x_labels = [str(n) for n in range(1, 6)]
    colors = [WARN, WARN, GOLD, OK, OK]
    chart.add(_("Responses"), [{"value": ratings[n], "color": colors[n - 1]}
                               for n in range(1, 6)])
    return _render(chart)


def history_labels(rows: list[HistoryRow], date_format) -> list[str]:
    """One distinct label per event: the month, the day when two share a month, then the title.

    ``date_format(row, day)`` gives the short month (``day`` false) or the day's date.
    """
    labels = [date_format(row, False) for row in rows]
    if len(set(labels)) < len(labels):
        labels = [date_format(row, True) if labels.count(label) > 1 else label
                  for row, label in zip(rows, labels, strict=True)]
    if len(set(labels)) < len(labels):
        labels = [f"{label} · {row.title[:24]}" if labels.count(label) > 1 else label
                  for row, label in zip(rows, labels, strict=True)]
    return labels


def history_chart(rows: list[HistoryRow], date_format) -> str:
    """Registered people and attendance of the organization's events over time (SVG)."""
    highest = max([row.registered for row in rows] + [row.attendance for row in rows])
    chart = _chart("Bar", height=300, show_legend=True, legend_at_bottom=True,
                   legend_at_bottom_columns=2, value_formatter=_integer, print_zeroes=True,
                   y_labels=_integer_ticks(highest))
    chart.x_labels = history_labels(rows, date_format)
    chart.add(_("Registered"), [row.registered for row in rows])
    chart.add(_("Attendance"), [row.attendance for row in rows])
    return _render(chart)


def data_uri(svg: str) -> str:
    """An SVG document as a data: URI, for an <img> in the PDF."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def report_charts(report: EventReport, history: list[HistoryRow], date_format) -> dict:
    """Every chart of the report, as SVG text, by name."""
    charts = {"attendance": attendance_chart(report), "fill": fill_chart(report)}
    if report.feedback.rated:
        charts["ratings"] = ratings_chart(report)
    if len(history) > 1:
        charts["history"] = history_chart(history, date_format)
    return charts


def render_report_pdf(report: EventReport, history: list[HistoryRow], *, generated_on,
                      date_format) -> bytes:
    """The report as PDF bytes (needs an app context for templates and translations).

    ``date_format(row, day)`` turns a history row into the short date label of its bar.
    """
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    static = static_folder()
    charts = {name: data_uri(svg) for name, svg in
              report_charts(report, history, date_format).items()}
    html = render_page("pdf/report.html", report=report, event=report.event,
                           history=history, charts=charts, generated_on=generated_on)
    fonts = FontConfiguration()
    stylesheet = CSS(filename=str(static / "css" / "report.css"), font_config=fonts)
    return HTML(string=html, base_url=str(static)).write_pdf(stylesheets=[stylesheet],
                                                             font_config=fonts)
