/// Predictor weights chosen out of sample (Abadie, Diamond & Hainmueller 2015, section "cross-validation").
///
/// The pre-treatment years are split in two: V is chosen on a *training* problem — predictors
/// measured in the early years, V optimised for the outcome in the later (validation) years — and
/// W is then fitted on the *main* problem, whose predictors are measured in the validation years,
/// with that V held fixed. Both problems list their predictors in the same order (one V entry each).
public struct CrossValidatedSyntheticControl: Sendable {
    /// The training fit, whose predictor weights are carried over.
    public let training: SyntheticControlFit
    /// The main fit with the training V.
    public let main: SyntheticControlFit

    /// Fits the training problem with `options` (its `predictorWeights` must be `.optimized`), then
    /// the main problem with the training V (R Synth's `synth(custom.v = training$solution.v)`).
    ///
    /// Complexity: one nested-V fit and one W fit.
    public init(training: SyntheticControlProblem, main: SyntheticControlProblem, options: SyntheticControlOptions = .init())
        throws(SyntheticControlError)
    {
        guard training.predictors.count == main.predictors.count else {
            throw .invalidOption(
                "cross-validation needs as many training predictors (\(training.predictors.count)) as main predictors (\(main.predictors.count)), in the same order"
            )
        }
        guard training.donors == main.donors, training.treatedUnit == main.treatedUnit else {
            throw .invalidOption("the training and main problems need the same treated unit and donors")
        }
        var trainingOptions = options
        trainingOptions.predictorWeights = .optimized
        let trained = try SyntheticControl.fit(training, options: trainingOptions)
        guard let v = trained.predictorWeights else { throw .invalidOption("the training fit produced no predictor weights") }
        var mainOptions = options
        mainOptions.predictorWeights = .custom(v)
        self.training = trained
        self.main = try SyntheticControl.fit(main, options: mainOptions)
    }
}
