/// The package version, recorded in every manifest: semantic versioning, "X.Y.Z" at a release (tagged
/// `vX.Y.Z` on main) and "X.Y.Z-dev" between releases (see CHANGELOG.md).
public enum ImpactEvalVersion {
    public static let string = "0.3.0-dev"
}
