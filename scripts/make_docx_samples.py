"""Make the DOCX test documents of tests/fixtures/docx/ with a real word processor (LibreOffice Writer).

Run once, by hand, where LibreOffice is installed (`apt-get install libreoffice-writer-nogui`; it is not
in setup.sh: only this script needs it), then commit the .docx files; the tests read them as they are:

    .venv/bin/python scripts/make_docx_samples.py

- korean-features.docx: headings 1-3, bold, italic, a link, bullets and numbers, a table with a header row
  and merged cells, a photo with its `사진 1)` caption, two footnotes (from HTML through Writer).
- korean-unmapped.docx: what an article cannot hold: a comment, a tracked change, a text box, an equation
  (from Writer's own flat XML format, .fodt).
- torch-center.docx: article 2 of section 2 of issue 260 (중국 과학기술부 횃불센터) as issuepdf lays it out
  in HTML, opened and saved by Writer.
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "tests" / "fixtures" / "docx"
PHOTO = ROOT / "tests" / "fixtures" / "blocks" / "images" / "aiot-forum.png"

FEATURES = """<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8"><title>창업 지원 정책 요약</title></head><body>
<p>창업 지원 정책 요약</p>
<p>올해 <b>창업 지원 예산</b>은 <i>작년보다</i> 늘었다. 자세한 내용은 <a
href="https://www.example.com/policy">정책 안내</a>를
참고한다.<a class="sdfootnoteanc" name="sdfootnote1anc" href="#sdfootnote1sym"><sup>1</sup></a></p>
<h1>지원 대상</h1>
<p>지원 대상은 설립 3년 이내의 기업이다.<a class="sdfootnoteanc"
name="sdfootnote2anc" href="#sdfootnote2sym"><sup>2</sup></a></p>
<h2>우대 분야</h2>
<ul><li>인공지능</li><li>빅데이터</li><li>스마트 제조</li></ul>
<h3>신청 절차</h3>
<ol><li>온라인 신청서를 작성한다.</li><li>서류를 제출한다.</li><li>심사 결과를 확인한다.</li></ol>
<table border="1">
<thead><tr><th>지역</th><th>연도</th><th>기업 수</th></tr></thead>
<tbody>
<tr><td rowspan="2">상하이</td><td>2020</td><td>38</td></tr>
<tr><td>2021</td><td>41</td></tr>
<tr><td colspan="2">합계</td><td>79</td></tr>
</tbody></table>
<p><img src="data:image/png;base64,{photo}" alt="무대 위 스크린과 객석" width="300" height="200"></p>
<p>사진 1) 출처: 선전상보 공식계정</p>
<p>마지막 문단이다.</p>
<div id="sdfootnote1"><p class="sdfootnote"><a class="sdfootnotesym" name="sdfootnote1sym" href="#sdfootnote1anc">1</a>
과학기술부 발표 자료, 2021.</p></div>
<div id="sdfootnote2"><p class="sdfootnote"><a class="sdfootnotesym" name="sdfootnote2sym" href="#sdfootnote2anc">2</a>
창업진흥원 공고 제2021-12호.</p></div>
</body></html>
"""

UNMAPPED = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 xmlns:math="http://www.w3.org/1998/Math/MathML" xmlns:xlink="http://www.w3.org/1999/xlink"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
<office:body><office:text>
<text:tracked-changes>
 <text:changed-region text:id="ct1"><text:insertion><office:change-info><dc:creator>편집자</dc:creator>
 <dc:date>2021-12-20T10:00:00</dc:date></office:change-info></text:insertion></text:changed-region>
</text:tracked-changes>
<text:p>검토 중인 기사</text:p>
<text:p>이 문단에는 메모가 있다.<office:annotation><dc:creator>편집자</dc:creator><dc:date>2021-12-20T10:00:00</dc:date>
<text:p>출처를 확인할 것</text:p></office:annotation> 그리고 <text:change-start
 text:change-id="ct1"/>새로 넣은 말<text:change-end text:change-id="ct1"/>이 있다.</text:p>
<text:p>글상자 앞 문단.<draw:frame draw:name="글상자1" text:anchor-type="paragraph" svg:width="6cm" svg:height="2cm">
<draw:text-box><text:p>글상자 안의 글</text:p></draw:text-box></draw:frame></text:p>
<text:p>수식: <draw:frame draw:name="수식1" text:anchor-type="as-char" svg:width="2cm" svg:height="1cm"><draw:object>
<math:math><math:semantics><math:mrow><math:mi>E</math:mi><math:mo>=</math:mo><math:mi>m</math:mi><math:msup><math:mi>c</math:mi>
<math:mn>2</math:mn></math:msup></math:mrow></math:semantics></math:math></draw:object></draw:frame> 끝.</text:p>
</office:text></office:body></office:document>
"""


def article_html(article_id: str = "s2-a2") -> str:
    """One article of issue 260 as issuepdf lays it out, as a plain HTML document (no word joiners)."""
    with tempfile.TemporaryDirectory() as folder:
        html = Path(folder) / "issue.html"
        subprocess.run(
            [
                str(ROOT / ".venv" / "bin" / "issuepdf"),
                "build",
                str(ROOT / "issues" / "260"),
                "-o",
                str(Path(folder) / "issue.pdf"),
                "--html",
                str(html),
            ],
            check=True,
        )
        text = html.read_text(encoding="utf-8")
    start = text.index(f'<article class="article" id="{article_id}"')
    body = text[start : text.index("</article>", start) + len("</article>")].replace("\u2060", "")
    body = re.sub(r'<img[^>]*src="[^"]*\.svg"[^>]*>', "", body)  # charts are SVG files of the build
    return f'<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8"></head><body>{body}</body></html>'


def to_docx(source: Path, target: Path) -> None:
    """Open `source` in LibreOffice Writer and save it as `target` (Word 2007-365)."""
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(
            ["soffice", "--headless", "--convert-to", "docx:MS Word 2007 XML", "--outdir", out, str(source)],
            check=True,
            capture_output=True,
        )
        shutil.move(Path(out) / (source.stem + ".docx"), target)


def main() -> None:
    if shutil.which("soffice") is None:
        sys.exit("LibreOffice is needed: apt-get install libreoffice-writer-nogui")
    TARGET.mkdir(parents=True, exist_ok=True)
    photo = base64.b64encode(PHOTO.read_bytes()).decode()
    with tempfile.TemporaryDirectory() as folder:
        sources = {
            "korean-features.html": FEATURES.replace("{photo}", photo),
            "korean-unmapped.fodt": UNMAPPED,
            "torch-center.html": article_html(),
        }
        for name, text in sources.items():
            source = Path(folder) / name
            source.write_text(text, encoding="utf-8")
            to_docx(source, TARGET / (source.stem + ".docx"))
            print(f"wrote {TARGET / (source.stem + '.docx')}")


if __name__ == "__main__":
    main()
