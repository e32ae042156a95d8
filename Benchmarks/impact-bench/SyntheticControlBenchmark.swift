import EstimationCore
import Foundation
import SyntheticControlMethods
import Tabular

/// Synthetic control timings (peer: pysyncon, same data, same run):
/// - one nested-V fit with 150 donors, 8 predictors, 20 pre-periods (target: under 50 ms);
/// - the full placebo-in-space loop for California with ADH's predictors (target: under 2 s).
enum SyntheticControlBenchmark {
    static func run(in directory: URL, peer: Bool) throws {
        try largeFit(in: directory, peer: peer)
        try californiaPlacebos(peer: peer)
    }

    static func largeFit(in directory: URL, peer: Bool) throws {
        let url = directory.appendingPathComponent("synth_150.csv")
        let table = try factorPanel(writingTo: url)
        let panel = try Panel(table, unit: "unit", time: "year")
        var predictors = (1...4).map { PredictorSpecification(variable: "x\($0)", periods: Array(stride(from: 1.0, through: 20, by: 1))) }
        predictors += [5.0, 10, 15, 20].map { PredictorSpecification(variable: "y", periods: [$0]) }
        let problem = try SyntheticControlProblem(panel: panel, outcome: "y", treated: "u000", treatmentTime: 21, predictors: predictors)
        for threads in [1, 2] {
            var loss = 0.0
            let seconds = try Timing.median(repeats: 5) {
                loss = try SyntheticControl.fit(problem, options: .init(threads: threads)).lossV
            }
            print(String(format: "synth: 150 donors, 8 predictors, 20 pre-periods, %d thread(s): loss %.6g", threads, loss))
            Timing.report(
                "nested-V synthetic control fit (\(threads) thread\(threads == 1 ? "" : "s"))", seconds: seconds, target: 0.05,
                peerName: "pysyncon", peerSeconds: peer && threads == 1 ? Timing.peer("synth_pysyncon.py", ["fit", url.path]) : nil)
        }
    }

    static func californiaPlacebos(peer: Bool) throws {
        let data = Timing.dataset("california_prop99_smoking.csv")
        let panel = try Panel(try CSVReader.read(contentsOf: data), unit: "state", time: "year")
        var predictors = ["lnincome", "age15to24", "retprice"].map {
            PredictorSpecification(variable: $0, periods: Array(stride(from: 1980.0, through: 1988, by: 1)))
        }
        predictors.append(PredictorSpecification(variable: "beer", periods: Array(stride(from: 1984.0, through: 1988, by: 1))))
        predictors += [1988.0, 1980, 1975].map { PredictorSpecification(variable: "cigsale", periods: [$0]) }
        let problem = try SyntheticControlProblem(panel: panel, outcome: "cigsale", treated: "California", treatmentTime: 1989, predictors: predictors)
        var rank = 0
        let options = SyntheticControlOptions(threads: 2)
        let seconds = try Timing.median(repeats: 3) {
            let fit = try SyntheticControl.fit(problem, options: options)
            rank = try fit.placeboInSpace(options: options).rank
        }
        print("synth: California placebo loop (39 fits), California ranks \(rank) of 39")
        Timing.report(
            "California placebo-in-space loop", seconds: seconds, target: 2.0, peerName: "pysyncon",
            peerSeconds: peer ? Timing.peer("synth_pysyncon.py", ["placebo", data.path]) : nil)
    }

    /// Staggered adoption at the unit level on mpdta: 191 treated counties (three adoption years), 309
    /// never-treated donors, 1–4 pre-periods, 100 placebo draws (19,291 fits). No issue sets a target and
    /// no peer implements this design, so only the time is printed. Outcome-only W, as `impact` uses without predictors.
    static func staggered() throws {
        let table = try CSVReader.read(contentsOf: Timing.dataset("mpdta.csv"))
        let panel = try Panel(table, unit: "countyreal", time: "year")
        let first = try table.numeric("first.treat")
        var adoption: [String: Double] = [:]
        for r in 0..<table.rowCount where first[r] > 0 { adoption[panel.units[panel.unitOfRow[r]]] = first[r] }
        for threads in [1, 2] {
            var estimate = 0.0
            let spec = StaggeredSyntheticControl.Specification(
                outcome: "lemp", adoption: adoption, aggregation: .unit,
                options: .init(predictorWeights: .outcomeOnly, threads: threads), placebos: 100)
            let seconds = try Timing.median(repeats: 1) { estimate = try StaggeredSyntheticControl.estimate(panel, spec).overall.estimate }
            print(
                String(
                    format: "staggered SCM, mpdta unit level (191 treated, 309 donors, 100 placebo draws), %d thread(s): %.2f s; overall %.5f",
                    threads, seconds, estimate))
        }
    }

    /// A deterministic linear factor model: `units` units x `years` years (unit 0 treated from year 21).
    static func factorPanel(writingTo url: URL?, units: Int = 151, years: Int = 30) throws -> Table {
        var rng = SplitMix64(seed: 150)
        func normal() -> Double { (-2 * log(rng.uniform())).squareRoot() * cos(2 * Double.pi * rng.uniform()) }
        let loadings = (0..<units).map { _ in (0..<3).map { _ in normal() } }
        let factors = (0..<years).map { t in [1.0, Double(t) / 10, sin(Double(t) / 4)] }
        var unit: [String?] = [], year: [Double] = [], y: [Double] = [], xs = [[Double]](repeating: [], count: 4)
        var text = "unit,year,y,x1,x2,x3,x4\n"
        for i in 0..<units {
            let label = String(format: "u%03d", i)
            for t in 0..<years {
                var value = 10 + (0..<3).reduce(0) { $0 + loadings[i][$1] * factors[t][$1] } + 0.3 * normal()
                if i == 0 && t >= 20 { value -= 1 }
                let row = (0..<4).map { k in ((loadings[i][k % 3] * Double(k + 1) + 0.5 * normal()) * 1e4).rounded() / 1e4 }
                value = (value * 1e4).rounded() / 1e4
                unit.append(label); year.append(Double(t + 1)); y.append(value)
                for k in 0..<4 { xs[k].append(row[k]) }
                text += "\(label),\(t + 1),\(value)," + row.map { "\($0)" }.joined(separator: ",") + "\n"
            }
        }
        if let url, !FileManager.default.fileExists(atPath: url.path) { try text.write(to: url, atomically: true, encoding: .utf8) }
        var table = Table(rowCount: unit.count)
        try table.addColumn("unit", .categorical(Categorical(unit)))
        try table.addColumn("year", .numeric(year))
        try table.addColumn("y", .numeric(y))
        for k in 0..<4 { try table.addColumn("x\(k + 1)", .numeric(xs[k])) }
        return table
    }

    /// Conformal inference for one treated unit, 150 donors, 30 periods (20 before treatment): joint
    /// test and the 10 post periods' intervals on grids of 100 nulls, 1,000 iid permutations per null,
    /// 2 threads (target: under 2 s). No peer runs here (R augsynth needs osqp, not installable offline).
    static func conformal() throws {
        let table = try factorPanel(writingTo: nil, units: 151, years: 30)
        let panel = try Panel(table, unit: "unit", time: "year")
        let problem = try SyntheticControlProblem(panel: panel, outcome: "y", treated: "u000", treatmentTime: 21, predictors: [])
        var joint = 0.0
        let seconds = try Timing.median(repeats: 3) {
            let fit = try SyntheticControl.fit(problem, options: .init(predictorWeights: .outcomeOnly))
            joint = try fit.conformalInference(ConformalInference(permutations: .iid(draws: 1000), gridSize: 100, threads: 2)).jointPValue
        }
        print(String(format: "synth: conformal inference, joint p %.3f", joint))
        Timing.report(
            "conformal inference, 150 donors, 30 periods, grid of 100 nulls x 10 periods, 1,000 draws (2 threads)", seconds: seconds,
            target: 2.0, peerName: "augsynth", peerSeconds: nil)
    }

    /// scpi's prediction intervals for West Germany (GDP over 1960–1990, simplex weights, 200 simulations,
    /// every out-of-sample method): the fit and the intervals, 1 and 2 threads (target: under 1 s). Peer:
    /// scpi-pkg, one core, in the Python named by `SCPI_PYTHON` (scpi-pkg 4.0.0 needs pandas < 3).
    static func predictionIntervals(peer: Bool) throws {
        let panel = try Panel(CSVReader.read(contentsOf: Timing.dataset("germany.csv")), unit: "country", time: "year")
        let problem = try SyntheticControlProblem(panel: panel, outcome: "gdp", treated: "West Germany", treatmentTime: 1991, predictors: [])
        var result: PredictionIntervals.Result?
        var seconds: [Int: Double] = [:]
        for threads in [1, 2] {
            seconds[threads] = try Timing.median(repeats: 5) {
                let fit = try SyntheticControl.fit(problem, options: .init(predictorWeights: .outcomeOnly))
                result = try fit.predictionIntervals(PredictionIntervals(simulations: 200, threads: threads))
            }
        }
        let first = result!.periods[0]
        print(String(format: "synth: scpi 1991 gaussian interval %.0f to %.0f", first.gaussian.lower, first.gaussian.upper))
        let peerSeconds =
            peer
            ? Timing.peer(
                "scpi_germany.py", [Timing.dataset("germany.csv").path], interpreter: ProcessInfo.processInfo.environment["SCPI_PYTHON"] ?? "python3")
            : nil
        Timing.report(
            "scpi prediction intervals, West Germany, 16 donors, 13 post periods, 200 simulations (1 thread)", seconds: seconds[1]!,
            target: 1.0, peerName: "scpi-pkg", peerSeconds: peerSeconds)
        Timing.report(
            "the same on 2 threads", seconds: seconds[2]!, target: 1.0, peerName: "scpi-pkg", peerSeconds: peerSeconds)
    }

    /// Partially pooled SCM (multisynth): 25 treated units adopting in waves at periods 16, 19, 22 and
    /// 25 of 30, 150 never-treated donors, heuristic ν, intercept shift; the fit alone and with the
    /// jackknife (175 refits), 2 threads (target: under 2 s). No peer runs here (R augsynth needs osqp,
    /// not installable offline).
    static func multisynth() throws {
        let table = try factorPanel(writingTo: nil, units: 175, years: 30)
        let panel = try Panel(table, unit: "unit", time: "year")
        var adoption: [String: Double] = [:]
        for k in 0..<25 { adoption[panel.units[k]] = [16, 19, 22, 25][k % 4] }
        var spec = PartiallyPooledSyntheticControl(outcome: "y", adoption: adoption, threads: 2)
        var result: PartiallyPooledSyntheticControl.Result?
        let fit = try Timing.median(repeats: 3) { result = try spec.estimate(panel) }
        print(String(format: "synth: multisynth nu %.3f, %d sweeps, ATT %.4f", result!.nu, result!.sweeps, result!.average.estimate))
        Timing.report("multisynth, 25 treated, 150 donors, 30 periods (2 threads)", seconds: fit, target: 2.0, peerName: "augsynth", peerSeconds: nil)
        spec.inference = .jackknife
        let jack = try Timing.median(repeats: 3) { result = try spec.estimate(panel) }
        print(String(format: "synth: multisynth jackknife SE %.4f", result!.average.standardError ?? .nan))
        Timing.report(
            "multisynth with the jackknife (175 refits), 25 treated, 150 donors (2 threads)", seconds: jack, target: 2.0, peerName: "augsynth",
            peerSeconds: nil)
    }

    /// The placebo-in-space loop of a nested-V fit (4 covariates averaged over 30 pre-periods and 4
    /// outcome lags, T = 40) at 150, 500 and 1,000 donors on 2 threads, with the growth exponent
    /// (targets: under 1 s at 150 and 20 s at 1,000 donors, exponent at most 2.05).
    static func placeboScale() throws {
        var first: (Int, Double)?
        for donors in [150, 500, 1000] {
            let table = try factorPanel(writingTo: nil, units: donors + 1, years: 40)
            let panel = try Panel(table, unit: "unit", time: "year")
            var predictors = (1...4).map { PredictorSpecification(variable: "x\($0)", periods: Array(stride(from: 1.0, through: 30, by: 1))) }
            predictors += [10.0, 20, 25, 30].map { PredictorSpecification(variable: "y", periods: [$0]) }
            let problem = try SyntheticControlProblem(panel: panel, outcome: "y", treated: "u000", treatmentTime: 31, predictors: predictors)
            let options = SyntheticControlOptions(threads: 2)
            var rank = 0
            let start = DispatchTime.now().uptimeNanoseconds
            rank = try SyntheticControl.fit(problem, options: options).placeboInSpace(options: options).rank
            let t = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            var line = String(format: "scale: synth placebo loop, %d donors, T = 40, 2 threads: %.2f s (treated ranks %d)", donors, t, rank)
            if let (d0, t0) = first { line += String(format: " (exponent from %d: %.2f)", d0, log(t / t0) / log(Double(donors) / Double(d0))) }
            print(line)
            if first == nil { first = (donors, t) }
        }
    }

    /// Staggered SCM's time and peak memory with 100 and 400 treated units (500 never treated,
    /// 30 periods, adoption spread over periods 16–25, 20 placebo draws), each size and thread count
    /// in a child process of its own so that its peak resident memory is its own (target: under
    /// 100 MB at 400 treated units, for any thread count).
    static func staggeredScale() throws {
        for treated in [100, 400] {
            for threads in [1, 2] {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
                process.arguments = ["staggered-child", "\(treated)", "\(threads)"]
                let pipe = Pipe()
                process.standardOutput = pipe
                try process.run()
                let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                let fields = output.split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
                guard process.terminationStatus == 0, fields.count == 2 else {
                    print("scale: staggered SCM, \(treated) treated: the child run failed")
                    continue
                }
                print(
                    String(
                        format: "scale: staggered SCM, %d treated, 500 never treated, T = 30, 20 placebo draws, %d thread(s): %.2f s, peak memory %.0f MB",
                        treated, threads, fields[0], fields[1] / 1024))
            }
        }
    }

    /// The child of `staggeredScale`: prints seconds and peak resident memory (kB).
    static func staggeredChild(treated: Int, threads: Int) throws {
        var rng = SplitMix64(seed: 2_026)
        func normal() -> Double { (-2 * log(rng.uniform())).squareRoot() * cos(2 * Double.pi * rng.uniform()) }
        let units = treated + 500, years = 30
        var unit: [String?] = [], year: [Double] = [], y: [Double] = []
        var adoption: [String: Double] = [:]
        for i in 0..<units {
            let label = String(format: "u%04d", i)
            let loadings = (0..<3).map { _ in normal() }
            if i < treated { adoption[label] = Double(16 + i % 10) }
            for t in 0..<years {
                let f = [1.0, Double(t) / 10, sin(Double(t) / 4)]
                var value = 10 + (0..<3).reduce(0) { $0 + loadings[$1] * f[$1] } + 0.3 * normal()
                if let a = adoption[label], Double(t + 1) >= a { value -= 0.5 }
                unit.append(label)
                year.append(Double(t + 1))
                y.append(value)
            }
        }
        var table = Table(rowCount: unit.count)
        try table.addColumn("unit", .categorical(Categorical(unit)))
        try table.addColumn("year", .numeric(year))
        try table.addColumn("y", .numeric(y))
        let panel = try Panel(table, unit: "unit", time: "year")
        let spec = StaggeredSyntheticControl.Specification(
            outcome: "y", adoption: adoption, aggregation: .unit,
            options: .init(predictorWeights: .outcomeOnly, threads: threads), placebos: 20)
        let start = DispatchTime.now().uptimeNanoseconds
        _ = try StaggeredSyntheticControl.estimate(panel, spec)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        print(seconds, usage.ru_maxrss)
    }
}
