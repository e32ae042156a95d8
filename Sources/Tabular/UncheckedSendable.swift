/// A value handed to worker threads that only read it (the parser's byte pointer) or that each
/// thread owns (its rows).
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
