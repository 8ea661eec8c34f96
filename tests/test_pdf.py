"""secmodel.report.pdf: PNG images embedded as they are, with the same pixels as WeasyPrint's
own way."""

import base64
import io
import struct
import zlib

import numpy as np
import pikepdf
import pytest
from PIL import Image
from pypdf import PdfReader

import secmodel.report.pdf
from secmodel.report.pdf import png_image_data, png_passthrough, render_html


def png(image: Image.Image, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="png", **options)
    return buffer.getvalue()


def gradient(mode: str, size=(300, 120)) -> Image.Image:
    """Pixels that differ from row to row and column to column (so every PNG filter type is
    used), in the given Pillow mode."""
    width, height = size
    x, y = np.meshgrid(np.arange(width), np.arange(height))
    rgb = np.stack([x % 256, y % 256, (x * y) % 256], axis=-1).astype(np.uint8)
    image = Image.fromarray(rgb)
    if mode == "RGBA":
        image.putalpha(Image.fromarray(((x + y) % 256).astype(np.uint8)))
    elif mode != "RGB":
        image = image.convert(mode)
    return image


def embedded_images(pdf: bytes) -> list[tuple[bytes, bytes]]:
    """(raw stream, decoded pixels) of each image on the first page."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return [
            (image.read_raw_bytes(), pikepdf.PdfImage(image).as_pil_image().tobytes())
            for image in document.pages[0].Resources.XObject.values()
            if image.get("/Subtype") == "/Image"
        ]


def page_with(png_file: bytes) -> str:
    data = base64.b64encode(png_file).decode("ascii")
    return f'<html><body><img src="data:image/png;base64,{data}" style="width: 8cm"></body></html>'


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def test_image_data_is_the_idat_chunks_joined():
    """A noisy image compresses badly, so Pillow writes several IDAT chunks; their joined data
    in one IDAT chunk, behind the same header, is the same image."""
    image = Image.fromarray(np.random.default_rng(1).integers(0, 256, (200, 200, 3), np.uint8))
    file = png(image)
    assert file.count(b"IDAT") > 1
    header = file[8 : 8 + 25]  # the IHDR chunk: always first, 13 bytes of data
    assert header[4:8] == b"IHDR"
    rebuilt = file[:8] + header + chunk(b"IDAT", png_image_data(file)) + chunk(b"IEND", b"")
    assert Image.open(io.BytesIO(rebuilt)).tobytes() == image.tobytes()


@pytest.mark.parametrize(
    "mode, options, passed_through",
    [
        ("RGB", {"compress_level": 1}, True),  # the charts: embedded as they are
        ("L", {}, True),
        ("RGBA", {}, False),  # alpha: WeasyPrint splits out a mask
        ("P", {}, False),  # palette
        ("LA", {}, False),
    ],
)
def test_same_pixels_as_weasyprints_own_way(tmp_path, mode, options, passed_through):
    file = png(gradient(mode), **options)
    own = embedded_images(render_html(page_with(file), tmp_path).pdf)
    with png_passthrough():
        ours = embedded_images(render_html(page_with(file), tmp_path).pdf)
    assert [pixels for _, pixels in ours] == [pixels for _, pixels in own]
    if passed_through:
        assert ours[0][0] == png_image_data(file)
    else:
        assert [raw for raw, _ in ours] == [raw for raw, _ in own]


def test_weasyprints_own_way_is_restored(tmp_path):
    from weasyprint.images import RasterImage

    own = RasterImage.__dict__["_get_png_data"]
    with pytest.raises(RuntimeError), png_passthrough():
        raise RuntimeError
    assert RasterImage.__dict__["_get_png_data"] is own


@pytest.mark.parametrize("subset", [True, False])
def test_fonts_whole_or_the_glyphs_used(tmp_path, monkeypatch, subset):
    """With HarfBuzz-Subset the document embeds only the glyphs it uses; without, whole fonts
    (fontTools' subsetting would be slower). Either way the text is the same."""
    if subset and not secmodel.report.pdf.fast_font_subsetting():
        pytest.skip("HarfBuzz-Subset (libharfbuzz-subset0) is not installed")
    monkeypatch.setattr(secmodel.report.pdf, "fast_font_subsetting", lambda: subset)
    document = '<html><body style="font-family: DejaVu Sans"><p>Page 1 of 2</p></body></html>'
    pdf = render_html(document, tmp_path).pdf
    with pikepdf.open(io.BytesIO(pdf)) as opened:
        (font,) = opened.pages[0].Resources.Font.values()
        program = font.DescendantFonts[0].FontDescriptor.FontFile2.read_bytes()
    # DejaVu Sans is about 740 kB with its 6,000 glyphs; nine glyphs take a few kB
    assert len(program) < 50_000 if subset else len(program) > 500_000
    assert " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split()) == "Page 1 of 2"
