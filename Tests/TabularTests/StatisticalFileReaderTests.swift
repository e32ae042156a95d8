import Foundation
import StatisticalFiles
import Tabular
import TestSupport
import Testing

@Suite("Stata, SPSS and SAS files (ReadStat)")
struct StatisticalFileReaderTests {
    @Test(
        "the same five schools from .dta, .sav, .xpt and .sas7bdat: text identifiers kept, missing values missing, codes kept",
        arguments: ["dta", "sav", "xpt", "sas7bdat"])
    func schools(_ kind: String) throws {
        let url = TestData.fixture("TabularTests", "schools.\(kind)")
        #expect(StatisticalFileReader.handles(url))
        let t = try StatisticalFileReader.read(contentsOf: url)
        #expect(t.rowCount == 5)
        #expect(try t.strings("school") == ["001", "002", "010", "011", "100"])
        let referrals = try t.numeric("referrals")
        #expect(referrals[1].isNaN && referrals[0] == 3.5 && referrals[2] == 7.25 && referrals[4] == 12)
        #expect(try t.numeric("wave") == [1, 1, 2, 3, 3])
        #expect(try t.numeric("region") == [1, 2, 2, 1, 3])
        let lead = try t.strings("lead")
        #expect(lead[0] == "NHS trust" && lead[1] == nil && lead[2] == "local authority")
    }

    @Test("a file that is not what its extension says is an error naming the file")
    func notAStataFile() throws {
        let url = TestData.temporaryDirectory().appendingPathComponent("fake.dta")
        try Data("id,y\n1,2\n".utf8).write(to: url)
        do {
            _ = try StatisticalFileReader.read(contentsOf: url)
            Issue.record("a CSV named .dta was read")
        } catch { #expect(error.description.contains("fake.dta") && error.description.contains("ReadStat"), "\(error)") }
    }
}
