import Testing
@testable import SwiftChatServer

/// Parameters of `Content-Disposition` and `Content-Type` headers, as browsers, curl and
/// hostile clients write them.
@Suite("Header parameters")
struct HeaderParametersTests {
    @Test("quoted, bare, spaced and repeated values; names without values are passed over")
    func plainShapes() {
        let header = HeaderParameters(#"form-data; NAME="file" ;filename=a.png ; empty= ; flag; name="second""#)
        #expect(header.value(of: "name") == "file", "the first of a repeated name")
        #expect(header.value(of: "filename") == "a.png")
        #expect(header.value(of: "empty") == "")
        #expect(header.value(of: "flag") == nil)
        #expect(HeaderParameters("multipart/form-data; boundary=----x").value(of: "boundary") == "----x")
        #expect(HeaderParameters("form-data").pairs.isEmpty)
        #expect(HeaderParameters("").pairs.isEmpty)
    }

    @Test("a quoted value keeps its semicolons and equals signs; curl's backslash escapes are undone")
    func quotedValues() {
        let header = HeaderParameters(#"form-data; name="file"; filename="a;b=c \"d\" e\\f.png"; after="x""#)
        #expect(header.value(of: "filename") == #"a;b=c "d" e\f.png"#)
        #expect(header.value(of: "after") == "x")
        // A lone backslash stays (a browser's file name may hold one); an unclosed quote runs to the end.
        #expect(HeaderParameters(#"form-data; filename="C:\temp.png""#).value(of: "filename") == #"C:\temp.png"#)
        #expect(HeaderParameters(#"form-data; filename="open; name=x"#).value(of: "filename") == "open; name=x")
    }

    @Test("a browser's %22, %0D and %0A in form names are decoded, and no other escape is")
    func browserEscapes() {
        let header = HeaderParameters(#"form-data; name="file"; filename="say %22hi%22%0D%0Anow 100%25.txt""#)
        #expect(header.formValue(of: "filename") == "say \"hi\"\r\nnow 100%25.txt")
        #expect(header.value(of: "filename") == "say %22hi%22%0D%0Anow 100%25.txt", "value(of:) is the raw text")
        #expect(header.formValue(of: "missing") == nil)
    }

    @Test("a header of many parameters is read in one pass")
    func manyParameters() {
        let header = "form-data" + String(repeating: "; a=\"\\\"\"", count: 20_000) + "; name=last"
        #expect(HeaderParameters(header).pairs.count == 20_001)
        #expect(HeaderParameters(header).value(of: "name") == "last")
    }
}
