import Foundation
import Regression
import Tabular
import TestSupport
import Testing

@Suite("Model formulas")
struct ModelFormulaTests {
    @Test("fixest-style formula for R's lm fixture: the same terms, and R's coefficients (1e-9)")
    func matchesR() throws {
        let f = try ModelFormula.parse(
            "re78 ~ age + married + re74 + i(black) + i(hispan) + i(nodegree) + age:married + re74:i(black) + i(hispan):i(nodegree)")
        #expect(f.outcome == "re78" && f.intercept && f.absorb.isEmpty)
        #expect(f.terms == DesignEncoderTests.spec.terms)
        let fit = try LinearModel.fit(ModelSpecification(outcome: f.outcome, terms: f.terms), table: DesignEncoderTests.lalonde)
        #expect(maxRelativeError(fit.coefficients, DesignReference.value.coefficients) < 1e-9)
    }

    @Test("a*b expands as R does; 0 and -1 drop the intercept; | lists absorbed factors; backquoted names; repeats kept once")
    func syntax() throws {
        let f = try ModelFormula.parse("y ~ a*b*c + a | school + year")
        #expect(f.terms.map(\.description) == ["a", "b", "c", "a:b", "a:c", "b:c", "a:b:c"])
        #expect(f.absorb == ["school", "year"] && f.intercept)
        #expect(try ModelFormula.parse("y ~ 0 + x").intercept == false)
        #expect(try ModelFormula.parse("y ~ x - 1").intercept == false)
        #expect(try ModelFormula.parse("`share insured` ~ `whole school share` + i(region)").columnsUsed == ["share insured", "whole school share", "region"])
        #expect(try ModelFormula.parse("y ~ x | g").columnsUsed == ["y", "x", "g"])
    }

    @Test("malformed formulas name the token and its character")
    func errors() throws {
        let cases: [(String, String)] = [
            ("y x", "expected '~' after the outcome at character 3, found 'x'"),
            ("y ~ x + ", "expected a column name at character 9, found 'the end'"),
            ("y ~ x + )", "expected a column name at character 9, found ')'"),
            ("y ~ log(x)", "unknown function 'log'; use i(column) for a factor at character 8, found '('"),
            ("y ~ i(g", "expected ')' to close i( at character 8, found 'the end'"),
            ("y ~ x - z", "only the intercept can be removed with '-' (write '-1' or '+ 0') at character 9, found 'z'"),
            ("y ~ x | ", "expected a fixed-effect column after '|' or '+' at character 9, found 'the end'"),
            ("y ~ x ^ 2", "expected '+', '|' or the end of the formula at character 7, found '^'")
        ]
        for (text, message) in cases {
            #expect(throws: ModelFormula.ParseError.self) { try ModelFormula.parse(text) }
            do {
                _ = try ModelFormula.parse(text)
            } catch {
                #expect(error.message == message, "\(text)")
            }
        }
    }
}
