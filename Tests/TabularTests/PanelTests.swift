import Foundation
import LinearAlgebra
import TestSupport
import Testing

@testable import Tabular

@Suite("Panels")
struct PanelTests {
    @Test("California Prop 99: 39 states x 31 years, balanced, reshaped to a matrix")
    func california() throws {
        let t = try CSVReader.read(contentsOf: TestData.dataset("california_prop99_smoking.csv"))
        let panel = try Panel(t, unit: "state", time: "year")
        #expect(panel.units.count == 39)
        #expect(panel.times.first == 1970 && panel.times.last == 2000 && panel.times.count == 31)
        #expect(panel.isBalanced)
        let y = try panel.wideComplete("cigsale")
        #expect(y.rows == 39 && y.columns == 31)
        let alabama = panel.unitPosition("Alabama")!
        #expect(y[alabama, 0] == 89.8)
        // lnincome is missing before 1972 in every state: named in the error.
        #expect(throws: PanelError.self) { try panel.wideComplete("lnincome") }
    }

    @Test("school identifiers with leading zeros stay as written; zero-padded periods still order as numbers")
    func zeroPaddedUnits() throws {
        let t = try CSVReader.read(text: "school,year,y\n001,2019,1\n001,2020,2\n010,2019,3\n010,2020,4\n")
        let panel = try Panel(t, unit: "school", time: "year")
        #expect(Set(panel.units) == ["001", "010"])
        #expect(panel.unitPosition("001") != nil && panel.unitPosition("1") == nil)
        let months = try CSVReader.read(text: "u,m,y\na,09,1\na,10,2\n")
        #expect(try Panel(months, unit: "u", time: "m").times == [9, 10])
    }

    @Test("a repeated unit-period names the unit and period")
    func duplicate() throws {
        let t = try CSVReader.read(text: "u,t,y\na,1,1\na,2,2\na,1,3\n")
        #expect(throws: PanelError.duplicateObservation(unit: "a", time: 1)) { try Panel(t, unit: "u", time: "t") }
    }

    @Test("an unbalanced panel is detected and absent cells are NaN")
    func unbalanced() throws {
        let t = try CSVReader.read(text: "u,t,y\na,1,1\na,2,2\nb,2,3\n")
        let p = try Panel(t, unit: "u", time: "t")
        #expect(!p.isBalanced)
        let m = try p.wide("y")
        #expect(m[1, 0].isNaN && m[1, 1] == 3)
    }

    @Test("a misspelt column is named with a suggestion")
    func misspelt() throws {
        let t = try CSVReader.read(text: "state,year,cigsale\nA,1,2\n")
        do {
            _ = try t.numeric("cigsales")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("'cigsales'") && error.description.contains("did you mean 'cigsale'"))
        }
    }
}
