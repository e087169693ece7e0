"""Text of PDF and DOCX attachments, as blocks that enter the cascade at "blocks".

The discovery side fetches an attachment and builds a SourcePage with its bytes and
content type (``application/pdf`` or the DOCX type below, ``parent_url`` = the page
that linked it); ``normalise_page`` routes it here by content type or magic bytes.
PDF text comes from PDFium (pypdfium2), DOCX paragraphs and tables from python-docx
(tables keep their rows x cells, like HTML tables).
"""

from __future__ import annotations

import io
import zipfile

import docx
import pypdfium2

from normalise.errors import NormaliseError
from normalise.model import Block
from normalise.text import clean_line

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_TYPE = "application/pdf"
# Attachments above this many pages are cut (a yearbook is not a report).
MAX_PDF_PAGES = 300


def is_docx(body: bytes) -> bool:
    """A ZIP holding word/document.xml."""
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            return "word/document.xml" in z.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def pdf_text(body: bytes) -> str:
    """All text of a PDF, page by page (NormaliseError if it is not a readable PDF)."""
    try:
        pdf = pypdfium2.PdfDocument(body)
    except pypdfium2.PdfiumError as exc:
        raise NormaliseError(f"unreadable PDF: {exc}") from exc
    try:
        pages = []
        for index in range(min(len(pdf), MAX_PDF_PAGES)):
            page = pdf[index]
            textpage = page.get_textpage()
            try:
                pages.append(textpage.get_text_range())
            finally:
                textpage.close()
                page.close()
        return "\n".join(pages)
    finally:
        pdf.close()


def pdf_blocks(body: bytes) -> tuple[Block, ...]:
    """A PDF's lines as blocks."""
    text = pdf_text(body).replace("\r\n", "\n").replace("\r", "\n")
    return tuple(Block(line) for raw in text.split("\n") if (line := clean_line(raw)))


def docx_blocks(body: bytes) -> tuple[Block, ...]:
    """A DOCX's paragraphs and tables, in document order."""
    try:
        document = docx.Document(io.BytesIO(body))
    except Exception as exc:  # python-docx raises several unrelated types on bad input
        raise NormaliseError(f"unreadable DOCX: {type(exc).__name__}: {exc}") from exc
    blocks: list[Block] = []
    for item in document.iter_inner_content():
        if isinstance(item, docx.table.Table):
            rows = tuple(tuple(clean_line(cell.text) for cell in row.cells) for row in item.rows)
            rows = tuple(r for r in rows if any(r))
            if rows:
                text = "\n".join("\t".join(dict.fromkeys(c for c in r if c)) for r in rows)
                blocks.append(Block(text, rows))
        else:
            for raw in item.text.splitlines():
                if line := clean_line(raw):
                    blocks.append(Block(line))
    return tuple(blocks)


def extract_text(body: bytes, content_type: str) -> str:
    """Plain text of an attachment (for callers that only want text)."""
    ctype = content_type.split(";", maxsplit=1)[0].strip().lower()
    if ctype == PDF_TYPE or body.startswith(b"%PDF-"):
        return "\n".join(b.text for b in pdf_blocks(body))
    if ctype == DOCX_TYPE or is_docx(body):
        return "\n".join(b.text for b in docx_blocks(body))
    raise NormaliseError(f"not a PDF or DOCX attachment: {content_type}")
