/// The package version, recorded in every manifest.
public enum ImpactEvalVersion {
    public static let string = "0.2.0"
}
