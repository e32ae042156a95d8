import Foundation
import TestSupport
import Testing

@testable import ImpactRun

/// The HTML report, opened in a real headless browser (Chromium from Debian; `.ci/run` installs it).
@Suite("HTML report")
struct HTMLReportTests {
    /// Chromium's executable, or nil.
    static var chromium: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The DOM Chromium builds from `file` after its load handlers ran.
    static func dumpDOM(_ browser: String, _ file: URL) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: browser)
        p.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--virtual-time-budget=10000", "--dump-dom", file.absoluteString
        ]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test("one self-contained file: every figure inline and drawn, no script error, no network, the summary and provenance present")
    func rendersInChromium() throws {
        let config = try ConfigLoader.load(path: TestData.example("synth_inference.yaml").path)
        let output = try Runner.run(config, threads: 2)
        let files = try OutputWriter.render(output, command: ["impact", "run"], threads: 2)
        let html = String(decoding: try #require(files.first { $0.0 == "report.html" }).1, as: UTF8.self)
        // Self-contained: no external reference of any kind (the only URL is the SVG namespace).
        let withoutNamespace = html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
        for marker in ["http://", "https://", "src=", "<link", "<script", "@import"] {
            #expect(!withoutNamespace.contains(marker), "report.html contains \(marker)")
        }
        let figures = files.filter { $0.0.hasSuffix(".svg") }.count
        #expect(html.components(separatedBy: "<figure>").count - 1 == figures && figures >= 8)
        #expect(html.contains("Key estimates") && html.contains("Data and provenance") && html.contains("20261130"))
        // The manifest lists the HTML report with its hash.
        let manifest = String(decoding: try #require(files.last).1, as: UTF8.self)
        #expect(manifest.contains("\"path\" : \"report.html\""))

        guard let browser = Self.chromium else {
            if ProcessInfo.processInfo.environment["IMPACTEVAL_SKIP_BROWSER"] == nil {
                Issue.record("Chromium is not installed (apt-get install chromium), so the report could not be opened; set IMPACTEVAL_SKIP_BROWSER=1 to skip")
            }
            return
        }
        // A test copy with a checker that records script errors and each figure's drawn size.
        let checker = """
            <script>
            window.__errors = [];
            window.addEventListener('error', e => window.__errors.push(String(e.message)));
            window.addEventListener('load', () => {
              const svgs = [...document.querySelectorAll('figure svg')];
              const drawn = svgs.filter(s => { const r = s.getBoundingClientRect(); return r.width > 100 && r.height > 100; }).length;
              const tables = document.querySelectorAll('table').length;
              document.body.setAttribute('data-check', JSON.stringify({figures: svgs.length, drawn, tables, errors: window.__errors,
                sections: document.querySelectorAll('main > section').length}));
            });
            </script>
            """
        let dir = TestData.temporaryDirectory()
        let page = dir.appendingPathComponent("report.html")
        try Data(html.replacingOccurrences(of: "<head>", with: "<head>\n" + checker).utf8).write(to: page)
        let dom = try Self.dumpDOM(browser, page)
        let start = try #require(dom.range(of: "data-check=\""), "no check result in the DOM: \(dom.prefix(300))")
        let rest = dom[start.upperBound...]
        let json = String(rest[..<rest.firstIndex(of: "\"")!]).replacingOccurrences(of: "&quot;", with: "\"")
        struct Check: Decodable {
            let figures: Int, drawn: Int, tables: Int, sections: Int
            let errors: [String]
        }
        let check = try JSONDecoder().decode(Check.self, from: Data(json.utf8))
        #expect(check.errors.isEmpty, "\(check.errors)")
        #expect(check.figures == figures && check.drawn == figures, "\(check.drawn) of \(check.figures) figures drawn")
        // Summary, five analyses, provenance.
        #expect(check.sections == 7 && check.tables >= 10, "\(check.sections) sections, \(check.tables) tables")
    }
}
