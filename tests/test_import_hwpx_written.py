"""`issuepdf import` of a HWPX written by hand from the OWPML schema (KS X 6101), for what the real sample
lacks: outline headings (개요), automatic numbers, footnotes and endnotes, an equation, tracked changes."""

from __future__ import annotations

import zipfile
from pathlib import Path

from issuepdf.content.mdarticle import load_markdown
from issuepdf.content.problems import Problems
from issuepdf.editor.importer import import_document
from issuepdf.pipeline.build import build

from .support.issues import HEAD, write_files
from .support.pdfs import pdf_text

NS = (
    'xmlns:hp="http://www.hancom.co.kr/hwpml/2011/paragraph" xmlns:hs="http://www.hancom.co.kr/hwpml/2011/section" '
    'xmlns:hh="http://www.hancom.co.kr/hwpml/2011/head"'
)
HEADER = f"""<?xml version="1.0" encoding="UTF-8"?><hh:head {NS}><hh:refList>
<hh:charProperties><hh:charPr id="0"/><hh:charPr id="1"><hh:bold/></hh:charPr><hh:charPr id="2"><hh:italic/></hh:charPr>
</hh:charProperties>
<hh:numberings><hh:numbering id="1" start="0"><hh:paraHead level="1" numFormat="CIRCLED_DIGIT">^1</hh:paraHead>
</hh:numbering></hh:numberings>
<hh:bullets><hh:bullet id="1" char="◆"/></hh:bullets>
<hh:paraProperties>
<hh:paraPr id="0"><hh:heading type="NONE" idRef="0" level="0"/></hh:paraPr>
<hh:paraPr id="1"><hh:heading type="OUTLINE" idRef="0" level="0"/></hh:paraPr>
<hh:paraPr id="2"><hh:heading type="OUTLINE" idRef="0" level="1"/></hh:paraPr>
<hh:paraPr id="3"><hh:heading type="NUMBER" idRef="1" level="0"/></hh:paraPr>
<hh:paraPr id="4"><hh:heading type="BULLET" idRef="1" level="0"/></hh:paraPr>
</hh:paraProperties></hh:refList></hh:head>"""


def paragraph(text: str, para: int = 0, char: int = 0, inner: str = "") -> str:
    run = f'<hp:run charPrIDRef="{char}">{inner}<hp:t>{text}</hp:t></hp:run>'
    return f'<hp:p paraPrIDRef="{para}" styleIDRef="0">{run}</hp:p>'


def note(kind: str, text: str) -> str:
    return f"<hp:ctrl><hp:{kind} number='1'><hp:subList>{paragraph(text)}</hp:subList></hp:{kind}></hp:ctrl>"


LINK = (
    '<hp:ctrl><hp:fieldBegin type="HYPERLINK"><hp:parameters><hp:stringParam name="Path">https://www.k-startup.go.kr'
    "</hp:stringParam></hp:parameters></hp:fieldBegin></hp:ctrl>"
)
SECTION = (
    f'<?xml version="1.0" encoding="UTF-8"?><hs:sec {NS}>'
    + paragraph("창업 지원 사업 공고")
    + paragraph("사업 개요", para=1)
    + '<hp:p paraPrIDRef="0" styleIDRef="0"><hp:run charPrIDRef="0"><hp:t>올해 예산은 </hp:t></hp:run>'
    + '<hp:run charPrIDRef="1"><hp:t>1,200억 원</hp:t></hp:run><hp:run charPrIDRef="0"><hp:t>이다.</hp:t>'
    + note("footNote", "중소벤처기업부 보도자료, 2021.12.")
    + "</hp:run></hp:p>"
    + paragraph("지원 내용", para=2)
    + paragraph("사업화 자금", para=3)
    + paragraph("멘토링", para=3)
    + paragraph("글로벌 진출", para=4)
    + paragraph("해외 전시회", para=4)
    + '<hp:p paraPrIDRef="0" styleIDRef="0"><hp:run charPrIDRef="0"><hp:t>신청은 </hp:t></hp:run>'
    + f'<hp:run charPrIDRef="2">{LINK}<hp:t>K-Startup</hp:t></hp:run>'
    + '<hp:run charPrIDRef="0"><hp:ctrl><hp:fieldEnd/></hp:ctrl><hp:t>에서 한다.</hp:t>'
    + note("endNote", "창업진흥원 공고문.")
    + "</hp:run></hp:p>"
    + paragraph("수식: ", inner="<hp:equation><hp:script>E=mc^2</hp:script></hp:equation>")
    + '<hp:p paraPrIDRef="0" styleIDRef="0"><hp:run charPrIDRef="0"><hp:t>고친 말</hp:t>'
    + "<hp:insertBegin/><hp:t>넣은 말</hp:t></hp:run></hp:p>"
    + "</hs:sec>"
)


def test_a_hand_written_hwpx_maps_outlines_numbers_notes_and_links(tmp_path: Path) -> None:
    document = tmp_path / "notice.hwpx"
    with zipfile.ZipFile(document, "w") as package:
        package.writestr("mimetype", "application/hwp+zip")
        package.writestr("Contents/header.xml", HEADER)
        package.writestr("Contents/section0.xml", SECTION)
    issue = write_files(
        tmp_path / "260", {"issue.yaml": HEAD + "    articles:\n      - title: 자리\n        body: [자리]\n"}
    )
    lines = import_document(document, issue)
    loaded = load_markdown(issue / "articles" / "notice.md", Problems())
    assert loaded is not None
    assert loaded.data["title"] == "창업 지원 사업 공고"
    assert loaded.data["body"] == [
        {"heading": "사업 개요"},
        "올해 예산은 **1,200억 원**이다.(1)",
        {"heading": "지원 내용", "level": 2},
        {"numbered": ["사업화 자금", "멘토링"], "style": "circled"},
        {"list": ["글로벌 진출", "해외 전시회"], "marker": "⬧"},
        "신청은 *[K-Startup](https://www.k-startup.go.kr)*에서 한다.(2)",
        "수식:",
        "고친 말넣은 말",
        {"sources": ["중소벤처기업부 보도자료, 2021.12.", "창업진흥원 공고문."]},
    ]
    assert "NOT mapped: 1 equations" in lines
    assert "NOT mapped: 1 tracked insertions (the text is taken as it stands)" in lines
    text = pdf_text(build(issue, strict=True).pdf)
    for printed in ["1) 사업 개요", "①지원 내용", "① 사업화 자금", "⬧ 글로벌 진출", "1) 중소벤처기업부 보도자료"]:
        assert printed in text
