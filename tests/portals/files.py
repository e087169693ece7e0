"""Real, small attachment files made at test time: a PDF (hand-built, valid xref) and a DOCX."""

from __future__ import annotations

import io

import docx

# Chinese text needs a CID font: Adobe's STSong-Light with the predefined UniGB-UCS2-H
# CMap (every reader ships it, nothing embedded), strings written as UTF-16BE hex.
_CJK_FONTS = [
    b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H "
    b"/DescendantFonts [6 0 R] >>",
    b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
    b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> "
    b"/FontDescriptor 7 0 R >>",
    b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 "
    b"/FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 "
    b"/CapHeight 880 /StemV 93 >>",
]


def make_pdf(text: str) -> bytes:
    """A one-page PDF showing ``text`` (one line per ``\\n``); byte offsets computed exactly.

    ASCII text is set in Helvetica; anything else in the CJK font above.
    """
    lines = text.split("\n")
    cjk = not text.isascii()
    if cjk:
        shown = [
            b"<" + line.encode("utf-16-be").hex().upper().encode() + b"> Tj T*" for line in lines
        ]
    else:
        esc = [ln.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for ln in lines]
        shown = [f"({ln}) Tj T*".encode("ascii") for ln in esc]
    stream = b"BT /F1 12 Tf 14 TL 72 720 Td " + b" ".join(shown) + b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        *(_CJK_FONTS if cjk else [b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]),
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, obj in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n".encode() + obj + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def make_docx(paragraphs: list[str]) -> bytes:
    """A DOCX holding the given paragraphs (python-docx)."""
    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()
