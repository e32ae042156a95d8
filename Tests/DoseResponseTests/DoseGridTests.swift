import DoseResponse
import Testing

@Suite("Dose grids outside the data")
struct DoseGridTests {
    @Test("the extrapolation warning names both ends when the grid leaves the doses on both sides, one end otherwise, none inside")
    func extrapolation() {
        let both = DoseGrid.extrapolation([-1, 0, 5, 12, 15], lo: 0, hi: 10, what: "observed doses")?.message
        #expect(both == "The dose grid reaches down to -1 and up to 15, outside the observed doses [0, 10]: the curve there is extrapolated.")
        #expect(DoseGrid.extrapolation([0, 5, 11], lo: 0, hi: 10, what: "treated doses")?.message.contains("up to 11, outside the treated doses") == true)
        #expect(DoseGrid.extrapolation([0, 5, 10], lo: 0, hi: 10, what: "observed doses") == nil)
    }
}
