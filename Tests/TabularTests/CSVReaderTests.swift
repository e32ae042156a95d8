import Foundation
import TestSupport
import Testing

@testable import Tabular

@Suite("CSV reader")
struct CSVReaderTests {
    @Test("semicolon, pipe and tab delimiters are recognised from the header; commas inside quotes do not count")
    func delimiters() throws {
        for (text, label) in [
            ("school;pupils;area\nA;120;North\nB;95;South\n", "semicolon"), ("school|pupils|area\nA|120|North\nB|95|South\n", "pipe"),
            ("school\tpupils\tarea\nA\t120\tNorth\nB\t95\tSouth\n", "tab")
        ] {
            let t = try CSVReader.read(text: text)
            #expect(t.columnNames == ["school", "pupils", "area"], "\(label)")
            #expect(try t.numeric("pupils") == [120, 95], "\(label)")
        }
        // A quoted header name holding a semicolon does not make the file semicolon-separated.
        let quoted = try CSVReader.read(text: "\"a;b\",c\n1,2\n")
        #expect(quoted.columnNames == ["a;b", "c"])
    }

    @Test("identifiers with leading zeros read as written, and still convert to numbers where one is needed")
    func zeroPaddedIdentifiers() throws {
        let t = try CSVReader.read(text: "school,month,share,count\n001,01,0.5,0\n010,12,0.25,10\n002,,0,3\n")
        #expect(try t.strings("school") == ["001", "010", "002"])
        #expect(try t.strings("month") == ["01", "12", nil])
        let month = try t.numeric("month")
        #expect(month[0] == 1 && month[1] == 12 && month[2].isNaN)
        #expect(try t.numeric("school") == [1, 10, 2])
        // "0", "0.5" and "10" are ordinary numbers.
        if case .numeric = t["share"]! {} else { Issue.record("share should be numeric") }
        if case .numeric = t["count"]! {} else { Issue.record("count should be numeric") }
        // Text that is not a number does not convert.
        #expect(throws: TableError.self) { try CSVReader.read(text: "a\n007\nx\n").numeric("a") }
    }

    @Test("ISO dates give year, quarter, month and day counts; a bad date names its row, line and value")
    func dates() throws {
        var t = try CSVReader.read(text: "school,visit\nA,2019-09-01\nB,2020-02-29\nC,\nD,1900-03-01\nE,2021-01\n")
        try t.addDateParts(of: "visit")
        #expect(try t.numeric("visit_year").prefix(2) == [2019, 2020])
        #expect(try t.numeric("visit_quarter")[0] == 8078 && t.numeric("visit_quarter")[1] == 8080)
        #expect(try t.numeric("visit_month")[0] == 24236 && t.numeric("visit_month")[4] == 24252)
        let day = try t.numeric("visit_day")
        #expect(day[0] == 18140 && day[3] == -25508 && day[2].isNaN && day[4].isNaN)
        for bad in ["2019-02-29", "2019-9-1", "01/09/2019", "2019-13-01"] {
            var u = try CSVReader.read(text: "visit\n2019-01-01\n\(bad)\n")
            #expect(throws: TableError.invalidValue(column: "visit", row: 1, value: bad, expected: "an ISO date such as 2019-09-01 (or 2019-09 for a month)")) {
                try u.addDateParts(of: "visit")
            }
        }
    }

    @Test("header names are trimmed of surrounding spaces")
    func trimmedHeaders() throws {
        let t = try CSVReader.read(text: " id , score \n1,2\n")
        #expect(t.columnNames == ["id", "score"])
    }

    @Test("Windows-1252 / Latin-1 text is decoded, not replaced, and the encoding is recorded")
    func latin1() throws {
        // "Ysgol Gymraeg Bro Dinefwr" is ASCII; "Ecole Saint-Andr\u{E9}" and an en dash 0x96 are not UTF-8.
        var bytes = Array("name,n\n".utf8)
        bytes += Array("Ecole Saint-Andr".utf8) + [0xE9] + Array(",1\n".utf8)
        bytes += Array("A ".utf8) + [0x96] + Array(" B,2\n".utf8)
        let t = try CSVReader.read(data: Data(bytes), source: "latin1.csv")
        #expect(try t.strings("name") == ["Ecole Saint-Andr\u{E9}", "A \u{2013} B"])
        #expect(t.sourceEncoding == "windows-1252")
        #expect(try CSVReader.read(text: "a\n1\n").sourceEncoding == nil)
    }

    @Test("gzip-compressed CSV (one member or several, as gunzip) reads as the CSV it came from; a truncated one says so")
    func gzip() throws {
        // The fixtures hold the header and first 50 rows of Datasets/lalonde_matchit.csv (gzip -n).
        let plain = try CSVReader.read(contentsOf: TestData.dataset("lalonde_matchit.csv")).selectingRows(Array(0..<50))
        for name in ["lalonde_head.csv.gz", "lalonde_two_members.csv.gz"] {
            let t = try CSVReader.read(contentsOf: TestData.fixture("TabularTests", name))
            #expect(t.rowCount == 50 && t.columnNames == plain.columnNames, "\(name)")
            #expect(try t.numeric("re78") == plain.numeric("re78"), "\(name)")
        }
        let bytes = try Data(contentsOf: TestData.fixture("TabularTests", "lalonde_head.csv.gz"))
        #expect {
            _ = try CSVReader.read(data: bytes.prefix(bytes.count / 2), source: "cut.csv.gz")
        } throws: { "\($0)".contains("'cut.csv.gz': it is gzip-compressed and the compressed data end early") }
    }

    @Test("zipped and binary files are refused with what they are")
    func notText() {
        let cases: [([UInt8], String)] = [
            ([0x50, 0x4B, 0x03, 0x04, 0x14], "Excel workbook"),
            ([0xFF, 0xFE, 0x61, 0x00, 0x2C, 0x00], "binary data")
        ]
        for (bytes, message) in cases {
            #expect {
                _ = try CSVReader.read(data: Data(bytes), source: "x.csv")
            } throws: { "\($0)".contains(message) }
        }
    }

    @Test("quoted fields with embedded delimiters, newlines and doubled quotes")
    func quoting() throws {
        let text = "id,name,score\n1,\"Smith, Jo\",3.5\n2,\"two\nlines\",4\n3,\"say \"\"hi\"\"\",\"5.25\"\n"
        let t = try CSVReader.read(text: text)
        #expect(t.rowCount == 3)
        #expect(try t.strings("name") == ["Smith, Jo", "two\nlines", "say \"hi\""])
        #expect(try t.numeric("score") == [3.5, 4, 5.25])
        #expect(try t.numeric("id") == [1, 2, 3])
    }

    @Test("CRLF, CR and LF line ends, byte-order mark, blank lines, no final newline")
    func lineEnds() throws {
        let text = "\u{FEFF}a,b\r\n1,x\r\n\r\n2,y\r3,z"
        let t = try CSVReader.read(text: text)
        #expect(t.columnNames == ["a", "b"])
        #expect(try t.numeric("a") == [1, 2, 3])
        #expect(try t.strings("b") == ["x", "y", "z"])
    }

    @Test("NA, empty and other missing tokens in numeric and text columns")
    func missing() throws {
        let text = "x,y,z\n1,NA,a\n,2,\n.,3,NA\nNaN,\"\",b\n"
        let t = try CSVReader.read(text: text)
        let x = try t.numeric("x")
        #expect(x[0] == 1 && x[1].isNaN && x[2].isNaN && x[3].isNaN)
        let y = try t.numeric("y")
        #expect(y[0].isNaN && y[1] == 2 && y[2] == 3 && y[3].isNaN)
        #expect(try t.strings("z") == ["a", nil, nil, "b"])
        #expect(t["x"]!.missingCount == 3)
    }

    /// Survey data code missing values as numbers; a declared token is matched as text (as R's na.strings),
    /// so -99 is missing while -99.0 and -990 stay numbers.
    @Test("a missing token that reads as a number is missing in numeric columns")
    func numericMissingToken() throws {
        let t = try CSVReader.read(text: "x,y\n1,-99\n-99,2\n-99.0,-990\n", options: CSVOptions(missingTokens: ["", "NA", "-99"]))
        let x = try t.numeric("x"), y = try t.numeric("y")
        #expect(x[0] == 1 && x[1].isNaN && x[2] == -99)
        #expect(y[0].isNaN && y[1] == 2 && y[2] == -990)
        // Without the token, -99 is an ordinary number.
        #expect(try CSVReader.read(text: "x\n-99\n").numeric("x") == [-99])
    }

    @Test("a column with one non-number becomes text, keeping earlier fields verbatim")
    func typeInference() throws {
        var text = "code,v\n"
        for i in 0..<50 { text += "00\(i),\(i)\n" }
        text += "A1,50\n"
        let t = try CSVReader.read(text: text)
        guard case .categorical(let c) = t["code"]! else { Issue.record("code should be categorical"); return }
        #expect(c[0] == "000" && c[49] == "0049" && c[50] == "A1")
        #expect(try t.numeric("v").last == 50)
    }

    @Test("forced categorical columns and TRUE/FALSE as 1/0")
    func forcedAndBoolean() throws {
        let t = try CSVReader.read(
            text: "id,flag\n007,TRUE\n010,FALSE\n",
            options: CSVOptions(categoricalColumns: ["id"]))
        #expect(try t.strings("id") == ["007", "010"])
        #expect(try t.numeric("flag") == [1, 0])
    }

    @Test("every number parses to the double nearest its text (agrees with strtod)")
    func numberExactness() throws {
        var rng = SplitMix(seed: 42)
        var lines = ["v"]
        var expected: [Double] = []
        for k in 0..<20_000 {
            let x: Double
            switch k % 4 {
            case 0: x = Double(bitPattern: rng.next() & 0x7FEF_FFFF_FFFF_FFFF) // any finite
            case 1: x = Double(rng.next() % 10_000_000) / 1000
            case 2: x = (Double(rng.next() % 1_000_000_000) - 5e8) * 1e-7
            default: x = Double(rng.next() >> 11) * 0x1p-53 * pow(10, Double(Int(rng.next() % 40) - 20))
            }
            let s = k % 3 == 0 ? String(format: "%.17g", x) : "\(x)"
            lines.append(s)
            expected.append(strtod(s, nil))
        }
        let t = try CSVReader.read(text: lines.joined(separator: "\n"))
        let got = try t.numeric("v")
        #expect(got.count == expected.count)
        let mismatches = zip(got, expected).filter { $0.0.bitPattern != $0.1.bitPattern }.count
        #expect(mismatches == 0)
        #expect(try CSVReader.read(text: "v\n1e400\n-2.5E-3\n+7\n Inf \n0.1e1").numeric("v") == [.infinity, -0.0025, 7, .infinity, 1])
    }

    @Test("ragged row names the line and both counts")
    func raggedRow() {
        #expect(throws: CSVError.fieldCount(source: "<text>", line: 3, expected: 2, found: 3)) {
            try CSVReader.read(text: "a,b\n1,2\n3,4,5\n")
        }
    }

    @Test("an unterminated quote names the line where it opens")
    func unterminated() {
        #expect(throws: CSVError.unterminatedQuote(source: "<text>", line: 3)) {
            try CSVReader.read(text: "a,b\n1,2\n3,\"oops\n4,5\n")
        }
    }

    @Test("text after a closing quote is an error, not silently joined")
    func textAfterQuote() {
        #expect(throws: CSVError.textAfterClosingQuote(source: "<text>", line: 2, column: "b")) {
            try CSVReader.read(text: "a,b\n1,\"x\"y\n")
        }
    }

    @Test("a missing file names the file")
    func missingFile() {
        #expect(throws: CSVError.cannotRead(source: "/nonexistent/data.csv", reason: "no such file")) {
            try CSVReader.read(contentsOf: URL(fileURLWithPath: "/nonexistent/data.csv"))
        }
    }

    @Test("duplicate header names are an error")
    func duplicateHeader() {
        #expect(throws: CSVError.duplicateHeader(source: "<text>", name: "a")) {
            try CSVReader.read(text: "a,b,a\n1,2,3\n")
        }
    }

    @Test("TSV is detected from the extension; NSW 445 has 445 rows and 12 columns")
    func nswTSV() throws {
        let t = try CSVReader.read(contentsOf: TestData.dataset("nsw_dehejia_wahba_445.tsv"))
        #expect(t.rowCount == 445)
        #expect(t.columnNames == ["re78", "t", "black", "hisp", "age", "married", "nodegree", "educ", "re74", "u74", "re75", "u75"])
        let treat = try t.numeric("t")
        #expect(treat.reduce(0, +) == 185)
        #expect(try t.numeric("re78")[0] == 9.93005)
    }

    @Test("Basque: missing predictor cells are read as missing, region names as text")
    func basque() throws {
        let t = try CSVReader.read(contentsOf: TestData.dataset("basque.csv"))
        #expect(t.rowCount == 774)
        #expect(t["regionname"]!.typeName == "categorical")
        #expect(t["sec.agriculture"]!.missingCount > 0)
        #expect(t["gdpcap"]!.missingCount == 0)
    }
}

/// A small deterministic generator for test inputs (SplitMix64, Steele et al. 2014).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
