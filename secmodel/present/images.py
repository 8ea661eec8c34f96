"""A rendered chart, without matplotlib: what a notebook displays and the report embeds."""

import base64
import html
from dataclasses import dataclass

# Charts are drawn at the size they are printed, so their type sizes are the printed sizes: the
# width fits the text column of A4 and of Letter; 200 pixels per printed inch.
PRINT_WIDTH_IN = 6.2
PRINT_DPI = 200
# Notebooks show charts at a screen's resolution: JupyterLab's output area is about 1,150 pixels
# wide, and 6.2 in at 150 ppi fills most of it.
SCREEN_DPI = 150
# The classes MathJax 2 and 3 skip: JupyterLab typesets HTML output, and two dollar amounts in
# one element would become math.
NO_MATH = "tex2jax_ignore mathjax_ignore"


@dataclass(frozen=True)
class ChartImage:
    """A rendered chart: PNG bytes with the words that go with them (picklable, so a worker
    process can render it)."""

    title: str
    alt: str  # what the chart shows, in numbers, for readers who cannot see it
    caption: str  # one sentence for under the figure
    png: bytes

    def html(self) -> str:
        """A <figure> with the PNG inline, its alt text and caption."""
        data = base64.b64encode(self.png).decode("ascii")
        return (
            f'<figure class="secmodel-chart {NO_MATH}"><img src="data:image/png;base64,{data}" '
            f'alt="{html.escape(self.alt)}"/>'
            f"<figcaption>{html.escape(self.caption)}</figcaption></figure>"
        )

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": self.html(), "text/plain": f"Chart: {self.title}"}
